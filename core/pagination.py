"""Cursor pagination that answers bad cursors and page sizes with 400, not 404 or a silent clamp."""

from __future__ import annotations

from base64 import b64encode
from urllib import parse

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from core.fields import parse_whole_number

INVALID_CURSOR = gettext_lazy("This cursor is not valid; use the next or previous link as given.")


class StrictCursorPagination(CursorPagination):
    """`{"next","previous","results"}`; `page_size` from 1 to API_MAX_PAGE_SIZE."""

    page_size_query_param = "page_size"
    ordering = ("-id",)

    def __init__(self) -> None:
        self.page_size = settings.API_PAGE_SIZE
        self.max_page_size = settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = parse_whole_number(raw, low=1, high=self.max_page_size)
        if size is None:
            raise ValidationError(
                {"page_size": [_("Give a whole number from 1 to %(most)d.") % {"most": self.max_page_size}]}
            )

        return size

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError:
            # A well-formed cursor whose position is not a value of the ordering field.
            raise ValidationError({"cursor": [INVALID_CURSOR]})

    def encode_cursor(self, cursor) -> str:
        """DRF's link, with the page's URL taken apart once for both links rather than for each."""
        tokens = {}
        if cursor.offset != 0:
            tokens["o"] = str(cursor.offset)
        if cursor.reverse:
            tokens["r"] = "1"
        if cursor.position is not None:
            tokens["p"] = cursor.position
        encoded = b64encode(parse.urlencode(tokens).encode("ascii")).decode("ascii")
        links = getattr(self, "_links", None)
        if links is None or links.url != self.base_url:
            links = self._links = LinkMaker(self.base_url, self.cursor_query_param)
        return links.with_value(encoded)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": [INVALID_CURSOR]})
        except (ValueError, TypeError, OverflowError):
            raise ValidationError({"cursor": [INVALID_CURSOR]})
        if cursor is not None and cursor.position is not None and "\x00" in cursor.position:
            raise ValidationError({"cursor": [INVALID_CURSOR]})  # PostgreSQL refuses NUL in text
        return cursor


class Keyset:
    """What DRF's cursor pagination asks of a queryset (`order_by`, one position bound and a
    slice), over a hand-written keyset query: the pagination's own logic, cursors and links,
    without the ORM compiling the same SQL on every request.

    `source.page(position=, after=, ascending=, offset=, limit=)` runs the query: rows as
    dicts holding the ordering's first field, after or before `position` (the cursor's
    string), in ascending or descending order.
    """

    def __init__(self, source, field: str, *, ascending: bool = False, bound: tuple[str, bool] | None = None):
        self.source, self.field, self.ascending, self.bound = source, field, ascending, bound

    def order_by(self, *ordering: str) -> Keyset:
        if ordering[0].lstrip("-") != self.field:
            raise ValueError(f"this keyset is ordered by {self.field}, not {ordering[0]}")
        return Keyset(self.source, self.field, ascending=not ordering[0].startswith("-"), bound=self.bound)

    def filter(self, **lookups: str) -> Keyset:
        ((lookup, position),) = lookups.items()
        field, _, operator = lookup.rpartition("__")
        if field != self.field or operator not in ("lt", "gt"):
            raise ValueError(f"a keyset is bounded by {self.field}__lt or __gt, not {lookup}")
        return Keyset(self.source, self.field, ascending=self.ascending, bound=(position, operator == "gt"))

    def __getitem__(self, window: slice) -> list[dict]:
        position, after = self.bound if self.bound is not None else (None, False)
        return self.source.page(
            position=position,
            after=after,
            ascending=self.ascending,
            offset=window.start or 0,
            limit=window.stop - (window.start or 0),
        )


class LinkMaker:
    """`url` with one query parameter set to a value, as DRF's `replace_query_param` writes it
    (the parameters sorted by name, each name's values in their order, blanks kept), the URL
    parsed once for every value asked for."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        scheme, netloc, path, query, fragment = parse.urlsplit(url)
        grouped: dict[str, list[str]] = {}
        for key, value in parse.parse_qsl(query, keep_blank_values=True):
            grouped.setdefault(key, []).append(value)
        grouped.pop(name, None)
        encoded = [(key, parse.urlencode([(key, value) for value in values])) for key, values in grouped.items()]
        before = "&".join(pair for key, pair in sorted(encoded) if key < name)
        after = "&".join(pair for key, pair in sorted(encoded) if key > name)
        self._start = parse.urlunsplit((scheme, netloc, path, "", "")) + "?" + (before + "&" if before else "")
        self._name = parse.quote_plus(name) + "="
        self._end = ("&" + after if after else "") + ("#" + fragment if fragment else "")

    def with_value(self, value: str) -> str:
        return self._start + self._name + parse.quote_plus(value) + self._end
