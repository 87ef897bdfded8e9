"""A JSON renderer built on orjson: the same output as DRF's, several times faster."""

from decimal import Decimal
from typing import Any

import orjson
from django.utils.functional import Promise
from rest_framework.negotiation import BaseContentNegotiation
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


class JSONOnlyNegotiation(BaseContentNegotiation):
    """Public answers are JSON whatever `Accept` says: they are bytes built once and shared by
    every reader (and a cached one is served before DRF runs), so a browser's `text/html`
    gets the same JSON rather than a 406 on a cache miss only."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
