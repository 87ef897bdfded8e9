"""Cursor pagination that answers bad cursors and page sizes with 400, not 404 or a silent clamp."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from core.fields import parse_whole_number

INVALID_CURSOR = "This cursor is not valid; use the next or previous link as given."


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
            raise ValidationError({"page_size": [f"Give a whole number from 1 to {self.max_page_size}."]})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except DjangoValidationError:
            # A well-formed cursor whose position is not a value of the ordering field.
            raise ValidationError({"cursor": [INVALID_CURSOR]})

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
