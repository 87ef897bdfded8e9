"""`GET /api/v1/search/` (ranked, highlighted) and `GET /api/v1/search/suggest/` (titles while typing)."""

from __future__ import annotations

import base64
import binascii

import orjson
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from articles import documents
from core.api_cache import Answer, CacheFirstMixin, cached_response
from core.fields import parse_whole_number
from core.pagination import INVALID_CURSOR
from core.renderers import FastJSONRenderer, JSONOnlyNegotiation
from core.search import QueryError

from .. import selectors

PAGE_SIZE, MAX_PAGE_SIZE = 20, 50
MAX_OFFSET = 1000  # results further down than this are not worth a reader's paging: refine the words

Q = OpenApiParameter("q", OpenApiTypes.STR, required=True, description="1 to 100 characters")
FILTERS = [
    OpenApiParameter("section", OpenApiTypes.STR, description="a section slug"),
    OpenApiParameter("tag", OpenApiTypes.STR, description="a tag slug"),
    OpenApiParameter("author", OpenApiTypes.STR, description="an author slug"),
    OpenApiParameter("published_after", OpenApiTypes.DATETIME),
    OpenApiParameter("published_before", OpenApiTypes.DATETIME),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 50, default 20"),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="from a `next` or `previous` link"),
]
MARKED = {"type": "string", "description": "escaped text; matches wrapped in <mark>"}
RESULTS = {
    "type": "object",
    "required": ["next", "previous", "results"],
    "properties": {
        "next": {"type": "string", "format": "uri", "nullable": True},
        "previous": {"type": "string", "format": "uri", "nullable": True},
        "results": {
            "type": "array",
            "items": {
                "allOf": [
                    {"$ref": "#/components/schemas/ArticleListItem"},
                    {
                        "type": "object",
                        "required": ["highlight"],
                        "properties": {
                            "highlight": {
                                "type": "object",
                                "required": ["title", "summary", "body"],
                                "properties": {"title": MARKED, "summary": MARKED, "body": MARKED},
                            }
                        },
                    },
                ]
            },
        },
    },
}
SUGGESTIONS = {
    "type": "object",
    "required": ["results"],
    "properties": {
        "results": {
            "type": "array",
            "maxItems": 10,
            "items": {
                "type": "object",
                "required": ["id", "title", "slug"],
                "properties": {"id": {"type": "integer"}, "title": {"type": "string"}, "slug": {"type": "string"}},
            },
        }
    },
}


def _query(request) -> str:
    raw = request.query_params.get("q")
    if raw is None or not raw.strip():
        raise ValidationError({"q": [_("Type something to search for.")]})
    return raw


def _offset(request) -> int:
    raw = request.query_params.get("cursor")
    if raw is None:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise ValidationError({"cursor": [INVALID_CURSOR]})
    offset = (
        parse_whole_number(decoded.removeprefix("o="), low=0, high=MAX_OFFSET) if decoded.startswith("o=") else None
    )
    if offset is None:
        raise ValidationError({"cursor": [INVALID_CURSOR]})
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o={offset}".encode()).decode().rstrip("=")


def _link(request, offset: int | None) -> str | None:
    if offset is None:
        return None
    url = request.build_absolute_uri()
    return remove_query_param(url, "cursor") if offset == 0 else replace_query_param(url, "cursor", _cursor(offset))


class _Public(CacheFirstMixin, APIView):
    authentication_classes: tuple = ()
    permission_classes = (permissions.AllowAny,)
    renderer_classes = (FastJSONRenderer,)
    content_negotiation_class = JSONOnlyNegotiation

    def cache_keys(self, **kwargs) -> list[str]:
        # Any article's text, publication or removal may change which articles match.
        return ["search", "list"]


class SearchView(_Public):
    """Published articles matching `q`, best first: title above summary above body, whole
    words above matches across words, an editor's boost, then the newest."""

    @extend_schema(
        tags=["search"],
        parameters=[Q, *FILTERS],
        responses={200: OpenApiResponse(RESULTS, description="best first")},
    )
    def get(self, request):
        def build() -> Answer:
            raw = _query(request)
            filters = documents.Filters.from_query(request.query_params)
            size = PAGE_SIZE
            if "page_size" in request.query_params:
                size = parse_whole_number(request.query_params["page_size"], low=1, high=MAX_PAGE_SIZE)
                if size is None:
                    raise ValidationError(
                        {"page_size": [_("Give a whole number from 1 to %(most)d.") % {"most": MAX_PAGE_SIZE}]}
                    )

            offset = _offset(request)
            try:
                page = selectors.search_page(raw=raw, filters=filters, offset=offset, limit=size)
            except QueryError as error:
                raise ValidationError({"q": [str(error)]})
            if not page.items and filters.names_slugs and (refusal := documents.unknown_slug(filters)):
                raise NotFound(refusal)  # as the article list and the rail answer
            more = page.more and offset + size <= MAX_OFFSET
            body = b"".join(
                (
                    b'{"next":',
                    orjson.dumps(_link(request, offset + size if more else None)),
                    b',"previous":',
                    orjson.dumps(_link(request, max(0, offset - size) if offset else None)),
                    b',"results":[',
                    b",".join(page.items),
                    b"]}",
                )
            )
            return Answer(body, ["search", "list", *page.keys], page.valid_until)

        return cached_response(request, build, keys=self.cache_keys())


class SuggestView(_Public):
    """Up to 10 published titles completing `q` while it is typed; pinyin too (`pujing`, `pj`)."""

    @extend_schema(tags=["search"], parameters=[Q], responses={200: OpenApiResponse(SUGGESTIONS)})
    def get(self, request):
        def build() -> Answer:
            raw = _query(request)
            try:
                results = selectors.suggest(raw=raw)
            except QueryError as error:
                raise ValidationError({"q": [str(error)]})
            return Answer.of({"results": results}, ["search", "list"], None)

        return cached_response(request, build, keys=self.cache_keys())
