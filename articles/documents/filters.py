"""The public article list's filters: its parameters, their limits and errors (the API's schema is
generated from this filter set) and the search backend's matches for `q`."""

import django_filters
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from rest_framework.exceptions import ValidationError

from core import search

from ..models import Article, Byline


def matching(q: str) -> tuple[str, list]:
    """The search backend's subquery for `q`; a query with nothing to find is a 400 on `q`."""
    try:
        return search.matching(q)
    except search.QueryError as error:
        raise ValidationError({"q": [str(error)]}) from error


class PublicArticleFilter(django_filters.FilterSet):
    section = django_filters.CharFilter(field_name="section__slug", max_length=50)
    tag = django_filters.CharFilter(method="filter_tag", max_length=100)
    author = django_filters.CharFilter(method="filter_author", max_length=100)
    slug = django_filters.CharFilter(field_name="slug", max_length=100)
    published_after = django_filters.DateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = django_filters.DateTimeFilter(field_name="published_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="filter_q", max_length=settings.API_MAX_QUERY_CHARS)

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_tag(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        through = Article.tags.through
        return queryset.filter(Exists(through.objects.filter(article_id=OuterRef("pk"), tag__slug=value)))

    def filter_author(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        return queryset.filter(Exists(Byline.objects.filter(article_id=OuterRef("pk"), author__slug=value)))

    def filter_q(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        # The search backend's matches (title, summary and body; Chinese by character pairs).
        return queryset.filter(pk__in=RawSQL(*matching(value)))
