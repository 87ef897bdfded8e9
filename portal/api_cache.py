"""Shared response cache for the public API, invalidated by a content generation.

Every editorial change sets a new generation token. A cached response records
the generation it was built under and is served only while that generation is
current, so a reader sees an edit as soon as it commits. Both are fetched in
one round trip. The token is read *before* the database, so a response built
from data older than a change can never be stored under the newer token.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control

from .renderers import json_default

logger = logging.getLogger(__name__)

GENERATION_KEY = "api:generation"
# Generations outlive responses; losing one only costs a rebuild.
GENERATION_SECONDS = 24 * 60 * 60


def invalidate() -> str:
    """Make every cached public response stale. Cheap; call after each commit."""
    token = uuid.uuid4().hex
    try:
        cache.set(GENERATION_KEY, token, GENERATION_SECONDS)
    except Exception:  # a cache outage must not undo an editor's committed change
        logger.exception("could not bump the API cache generation")
    return token


def invalidate_on_signal(sender, **kwargs) -> None:
    invalidate()


def _response_key(request: HttpRequest) -> str:
    # Links in answers are absolute, so the host and scheme are part of the key.
    url = request.build_absolute_uri()
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"api:response:{digest}"


def _make_response(request: HttpRequest, body: bytes, etag: str) -> HttpResponse:
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
    return response


def cached_response(request: HttpRequest, build: Callable[[], Any]) -> HttpResponse:
    """Answer from the cache when current, else render `build()` and store it.

    `build` returns JSON-able data for a 200 answer or raises an API exception,
    which is never cached.
    """
    key = _response_key(request)
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception:
        logger.warning("API cache unreachable; answering uncached", exc_info=True)
        found = None
    if found is not None:
        generation = found.get(GENERATION_KEY) or invalidate()
        entry = found.get(key)
        if entry is not None and entry[0] == generation:
            return _make_response(request, entry[1], entry[2])

    body = orjson.dumps(build(), default=json_default, option=orjson.OPT_NON_STR_KEYS)
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    if found is not None:
        try:
            cache.set(key, (generation, body, etag), settings.API_CACHE_SECONDS)
        except Exception:
            logger.warning("could not store an API response in the cache", exc_info=True)
    return _make_response(request, body, etag)
