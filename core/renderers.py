"""A JSON renderer built on orjson: the same output as DRF's, several times faster."""

from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer


def json_default(value: Any) -> Any:
    if isinstance(value, Promise):  # lazy translations in error messages
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "__iter__"):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class FastJSONRenderer(JSONRenderer):
    """Renders UTF-8 JSON (Chinese text unescaped) with orjson."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=json_default, option=orjson.OPT_NON_STR_KEYS)
