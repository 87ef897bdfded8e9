"""Shared response cache for the public API, invalidated by a content generation.

Every editorial change sets a new generation token. A cached response records
the generation it was built under and is served only while that generation is
current, so a reader sees an edit as soon as it commits. Both are fetched in
one round trip. The token is read *before* the database, so a response built
from data older than a change can never be stored under the newer token.
"""

import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
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


_horizons: list[Callable[[], datetime | None]] = []


def register_horizon(provider: Callable[[], datetime | None]) -> None:
    """Apps name the next moment their public data changes without an edit.

    A photo's rights expiring or a scheduled article going out: the current
    generation ends then, so no cached answer outlives it.
    """
    if provider not in _horizons:
        _horizons.append(provider)


def _next_horizon() -> float | None:
    moments = []
    for provider in _horizons:
        try:
            moment = provider()
        except Exception:  # a failing provider must not stop invalidation
            logger.exception("API cache horizon provider failed")
            continue
        if moment is not None:
            moments.append(moment.timestamp())
    return min(moments) if moments else None


class _Local:
    """This process's copy of recent answers, trusted for API_LOCAL_CACHE_SECONDS.

    It saves the shared cache's round trip on hot pages. Another process's
    change reaches this one within that time (our promise to readers is 5 s);
    this process's own changes clear it at once.
    """

    generation: tuple[str, float | None] | None = None
    checked_at = float("-inf")
    entries: dict[str, tuple] = {}

    @classmethod
    def remember(cls, key: str, entry: tuple) -> None:
        if len(cls.entries) >= settings.API_LOCAL_CACHE_ENTRIES:
            cls.entries = {}  # bounded memory; hot pages come back on the next read
        cls.entries[key] = entry

    @classmethod
    def forget(cls) -> None:
        cls.generation, cls.checked_at, cls.entries = None, float("-inf"), {}


def invalidate() -> tuple[str, float | None]:
    """Make every cached public response stale. Cheap; call after each commit."""
    _Local.forget()
    generation = (uuid.uuid4().hex, _next_horizon())
    try:
        cache.set(GENERATION_KEY, generation, GENERATION_SECONDS)
    except Exception:  # a cache outage must not undo an editor's committed change
        logger.exception("could not bump the API cache generation")
    return generation


def _current(generation) -> bool:
    return isinstance(generation, tuple) and (generation[1] is None or time.time() < generation[1])


def invalidate_on_event(event) -> None:
    """Outbox consumer: any public change makes every cached answer stale."""
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
    # Shared caches (a CDN) may keep it briefly; ours is purged on every change.
    patch_cache_control(response, public=True, max_age=settings.API_CDN_MAX_AGE)
    return response


class _State:
    """What one request learned from the cache: the generation, and the key to store under."""

    __slots__ = ("generation", "key")

    def __init__(self, generation: tuple | None, key: str) -> None:
        self.generation = generation
        self.key = key


def lookup(request: HttpRequest) -> HttpResponse | None:
    """The cached answer if it is current, in one cache round trip; else None."""
    if settings.API_CACHE_SECONDS <= 0:
        return None
    key = _response_key(request)
    now = time.monotonic()
    if now - _Local.checked_at < settings.API_LOCAL_CACHE_SECONDS and _current(_Local.generation):
        entry = _Local.entries.get(key)
        if entry is not None and entry[0] == _Local.generation:
            return _make_response(request, entry[1], entry[2])
    try:
        found = cache.get_many([GENERATION_KEY, key])
    except Exception:
        logger.warning("API cache unreachable; answering uncached", exc_info=True)
        request._api_cache = _State(None, key)
        return None
    generation = found.get(GENERATION_KEY)
    if not _current(generation):
        generation = invalidate()
    if generation != _Local.generation:
        _Local.entries = {}
    _Local.generation, _Local.checked_at = generation, now
    request._api_cache = _State(generation, key)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        _Local.remember(key, entry)
        return _make_response(request, entry[1], entry[2])
    return None


def cached_response(request: HttpRequest, build: Callable[[], Any]) -> HttpResponse:
    """Answer from the cache when current, else render `build()` and store it.

    `build` returns JSON-able data for a 200 answer or raises an API exception,
    which is never cached.
    """
    django_request = getattr(request, "_request", request)
    state = getattr(django_request, "_api_cache", None)
    if state is None:
        hit = lookup(django_request)
        if hit is not None:
            return hit
        state = getattr(django_request, "_api_cache", None)

    body = orjson.dumps(build(), default=json_default, option=orjson.OPT_NON_STR_KEYS)
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    if state is not None and state.generation is not None:
        entry = (state.generation, body, etag)
        try:
            cache.set(state.key, entry, settings.API_CACHE_SECONDS)
            if state.generation == _Local.generation:
                _Local.remember(state.key, entry)
        except Exception:
            logger.warning("could not store an API response in the cache", exc_info=True)
    return _make_response(django_request, body, etag)


class CacheFirstMixin:
    """For public read-only viewsets: a current cached answer skips DRF altogether.

    Only anonymous, shareable reads may use it; the view's handlers call
    `cached_response` to fill the cache.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            hit = lookup(request)
            if hit is not None:
                return hit
        return super().dispatch(request, *args, **kwargs)
