"""Serializer fields every app's API uses for ids given in a body."""

from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import NotFound

MAX_ID = 2**63 - 1
ID_PATTERN = r"[0-9]{1,19}"  # an id in a URL path; larger numbers are refused by `path_id`


def path_id(raw: str) -> int:
    """An id matched by ID_PATTERN in a URL path; one no row can have (above 2**63-1) is a 404."""
    value = int(raw)
    if value > MAX_ID:
        raise NotFound()
    return value


def parse_id(value) -> int | None:
    """A whole number from 1 to 2**63-1 given as a JSON integer or ASCII digits, else None.

    Floats (`1e309`, `1.0`), booleans and digits `int()` refuses (`²`) are not ids.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def parse_whole_number(raw: str | None, *, low: int, high: int) -> int | None:
    """`raw` as an integer from `low` to `high` when it is ASCII digits, else None.

    `str.isdigit()` also accepts `²` or `١`, which `int()` refuses or reads unexpectedly.
    """
    if raw is None or not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def is_whole_number(raw: str | None) -> bool:
    """ASCII digits that fit a database id (0 to 2**63-1)."""
    return parse_whole_number(raw, low=0, high=MAX_ID) is not None


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """`PrimaryKeyRelatedField` that refuses anything but a whole-number id with a 400."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "incorrect_type": gettext_lazy("Give an id: a whole number from 1 to 9223372036854775807, not {data_type}."),
    }

    def to_internal_value(self, data):
        if parse_id(data) is None:
            if isinstance(data, int) and not isinstance(data, bool):
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(parse_id(data))
