"""The public reads of articles, authors, sections and tags: thin views over articles.selectors,
answered from the API cache first."""

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from core.api_cache import Answer, CacheFirstMixin, cached_response, next_horizon, public_headers
from core.fields import ID_PATTERN, MAX_ID, path_id
from core.pagination import Keyset, StrictCursorPagination
from core.public_reads import short_answer
from core.renderers import FastJSONRenderer, JSONOnlyNegotiation

from .. import documents, selectors
from ..documents.filters import PublicArticleFilter
from ..documents.representation import (
    ArticleDetailSerializer,
    ArticleListItemSerializer,
    AuthorSerializer,
    SectionSerializer,
    TagSerializer,
)
from ..models import Article, Section, Tag

# Query parameters that put a list page deep in the archive.
_DEEP = ("cursor", "published_before", "published_after")

PAGE_SIZE_PARAMETER = OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 100, default 20")


class ArticlePagination(StrictCursorPagination):
    ordering = ("-published_at", "-id")


class NamePagination(StrictCursorPagination):
    ordering = ("name", "id")


class PublicMixin(CacheFirstMixin):
    """Anonymous and read-only: no session or token lookups, so answers can be shared."""

    authentication_classes: tuple = ()
    permission_classes = (permissions.AllowAny,)
    renderer_classes = (FastJSONRenderer,)
    content_negotiation_class = JSONOnlyNegotiation


@extend_schema_view(
    list=extend_schema(parameters=[PAGE_SIZE_PARAMETER], responses=ArticleListItemSerializer(many=True)),
    retrieve=extend_schema(responses=ArticleDetailSerializer),
)
class ArticleViewSet(PublicMixin, viewsets.GenericViewSet):
    """Published articles, newest first; answers are cached until the next editorial change."""

    serializer_class = ArticleListItemSerializer
    filterset_class = PublicArticleFilter
    pagination_class = ArticlePagination
    lookup_value_regex = ID_PATTERN
    queryset = Article.objects.none()

    def cache_keys(self, pk: str | None = None, **kwargs) -> list[str]:
        return [f"article-{pk}"] if pk is not None else ["list"]

    def cache_admit_after(self, pk: str | None = None, **kwargs) -> int:
        return self._admit_after(self.request, detail=pk is not None)

    @staticmethod
    def _admit_after(request: HttpRequest, *, detail: bool) -> int:
        """Details, and list pages deep in the archive (a cursor or a time), are read across a long
        tail, most of them once in a while: one query each until a process has seen them
        API_CACHE_ADMIT_AFTER times. First pages (the front page, sections) are few and hot and
        cost more: cached at once."""
        if detail or any(name in request.GET for name in _DEEP):
            return settings.API_CACHE_ADMIT_AFTER
        return 1

    @staticmethod
    def _list_answer(request: Request, paginator: ArticlePagination) -> Answer:
        filters = documents.Filters.from_query(request.query_params)
        public = documents.PublicList(filters)
        page = paginator.paginate_queryset(Keyset(public, "published_at"), request)
        if not page and filters.names_slugs and (refusal := documents.unknown_slug(filters)):
            # As on the rail: a typo in a slug should not look like a quiet section.
            raise NotFound(refusal)
        items, shown, until = documents.items(page)
        body = b"".join(
            (
                b'{"next":',
                orjson.dumps(paginator.get_next_link()),
                b',"previous":',
                orjson.dumps(paginator.get_previous_link()),
                b',"results":[',
                b",".join(items),
                b"]}",
            )
        )
        # Every list page: `list`; pages matching words also change when texts do (`search`).
        keys = ["list", *(["search"] if filters.q else []), *shown]

        # Items carry their own ends (a photo's rights); a scheduled article may join any page.
        scheduled = public.next_scheduled.timestamp() if public.next_scheduled else None
        return Answer(body, keys, min((t for t in (until, scheduled) if t is not None), default=None))

    @staticmethod
    def _detail_answer(article_id: int) -> Answer:
        found = documents.detail_read(article_id=article_id)
        if found is None:
            raise NotFound(_("No published article has this id."))
        body, keys, valid_until = found
        return Answer(body, keys, valid_until)

    def list(self, request: Request):
        return cached_response(request, lambda: self._list_answer(request, self.paginator), keys=["list"])

    def retrieve(self, request: Request, pk: str):
        article_id = path_id(pk)
        try:
            return cached_response(request, lambda: self._detail_answer(article_id), keys=[f"article-{article_id}"])
        except NotFound as error:
            # Keyed like the article's answers, so a CDN may keep the 404 until it comes out (its
            # publication purges the key), and no longer than the next scheduled publication.
            horizon = next_horizon() if settings.CDN_MAX_AGE > 0 else None  # its queries only for a CDN
            return public_headers(self.handle_exception(error), f"article-{article_id}", horizon)

    # The short path (core.public_reads): the same answers, without DRF or the session's middleware.

    @classmethod
    def fast_list(cls, request: HttpRequest) -> HttpResponse | None:
        return short_answer(
            request,
            ["list"],
            lambda: cls._list_answer(Request(request), cls.pagination_class()),
            admit_after=cls._admit_after(request, detail=False),
        )

    @classmethod
    def fast_retrieve(cls, request: HttpRequest, pk: str) -> HttpResponse | None:
        article_id = int(pk)
        if article_id > MAX_ID:
            return None
        return short_answer(
            request,
            [f"article-{article_id}"],
            lambda: cls._detail_answer(article_id),
            admit_after=cls._admit_after(request, detail=True),
        )


class _CachedReadOnly(PublicMixin, viewsets.ReadOnlyModelViewSet):
    """Authors, sections and tags: any change to them or to the articles listing them ("list")."""

    def list(self, request, *args, **kwargs):
        data = lambda: super(_CachedReadOnly, self).list(request, *args, **kwargs).data  # noqa: E731
        return cached_response(request, lambda: Answer.of(data(), ["list"], next_horizon), keys=["list"])

    def retrieve(self, request, *args, **kwargs):
        data = lambda: super(_CachedReadOnly, self).retrieve(request, *args, **kwargs).data  # noqa: E731
        return cached_response(request, lambda: Answer.of(data(), ["list"], next_horizon), keys=["list"])


@extend_schema_view(list=extend_schema(parameters=[PAGE_SIZE_PARAMETER]))
class AuthorViewSet(_CachedReadOnly):
    serializer_class = AuthorSerializer
    pagination_class = NamePagination
    lookup_field = "slug"
    filterset_class = None

    def get_queryset(self):
        return selectors.author_list()


class SectionPagination(StrictCursorPagination):
    ordering = ("order", "id")


@extend_schema_view(list=extend_schema(parameters=[PAGE_SIZE_PARAMETER]))
class SectionViewSet(_CachedReadOnly):
    """Sections in the newsroom's order, paginated like every other list."""

    serializer_class = SectionSerializer
    pagination_class = SectionPagination
    queryset = Section.objects.all()
    lookup_field = "slug"


@extend_schema_view(list=extend_schema(parameters=[PAGE_SIZE_PARAMETER]))
class TagViewSet(_CachedReadOnly):
    serializer_class = TagSerializer
    pagination_class = NamePagination
    queryset = Tag.objects.all()
    lookup_field = "slug"


# --- editor ----------------------------------------------------------------------
