"""Query filters for the editor's article list (the public list's are `documents.filters`)."""

import django_filters

from ..documents.filters import PublicArticleFilter
from ..models import Article


class EditorArticleFilter(PublicArticleFilter):
    status = django_filters.ChoiceFilter(choices=Article.Status.choices)
    published_after = django_filters.DateTimeFilter(field_name="published_at", lookup_expr="gte")
