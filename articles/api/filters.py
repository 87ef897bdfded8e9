"""Query filters for the editor's article list (the public list's are `documents.filters`)."""

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from core import search

from ..documents.filters import PublicArticleFilter
from ..models import Article


class EditorArticleFilter(PublicArticleFilter):
    status = django_filters.ChoiceFilter(choices=Article.Status.choices)
    published_after = django_filters.DateTimeFilter(field_name="published_at", lookup_expr="gte")

    def filter_q(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        """The desk's search: the newest DESK_SEARCH_LIMIT matches (any status), then the list's
        own filters and order; bounded however large the archive or common the word."""
        try:
            found = search.newest(value, settings.DESK_SEARCH_LIMIT)
        except search.QueryError as error:
            raise ValidationError({"q": [str(error)]}) from error
        return queryset.filter(pk__in=found)
