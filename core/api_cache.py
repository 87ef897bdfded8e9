"""Shared response cache for the public API, invalidated precisely by surrogate key.

Answers carry surrogate keys (`article-42`, `author-7`, `image-3`, `list`...) and depend on
every one of them, plus `all`, as a CDN purging by tag treats them. A committed change bumps
its keys (the outbox consumer): it takes the next number of one global sequence and writes it
as each key's generation. An answer records the sequence number read *before* the database,
and is served only while no key it carries has a generation above that number and its own
horizon (a photo's rights ending, a scheduled article going out) has not passed. So an edit
to one article never evicts another article's detail, and no build racing a change can keep
old bytes: the change's number is above the one the build started from. The answer, the
sequence and the generations come back in one round trip (each process remembers which keys
each URL showed); each web process also trusts its own copy of hot answers for up to
`API_LOCAL_CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control

from . import broadcast, metrics
from .memo import Memo
from .renderers import json_default

logger = logging.getLogger(__name__)

GENERATION = "api:generation:{}"
SEQUENCE = "api:sequence"
EVERYTHING = "all"
# Generations outlive answers by far: one that expired reads as never bumped again.
GENERATION_SECONDS = 24 * 60 * 60


_horizons: list[Callable[[], datetime | None]] = []


def register_horizon(provider: Callable[[], datetime | None]) -> None:
    """Apps name the next moment their public data changes without an edit.

    A photo's rights expiring or a scheduled article going out: list answers built now end
    then, so none outlives it.
    """
    if provider not in _horizons:
        _horizons.append(provider)


def next_horizon() -> float | None:
    moments = []
    for provider in _horizons:
        try:
            moment = provider()
        except Exception:  # a failing provider must not stop the answer
            logger.exception("API cache horizon provider failed")
            continue
        if moment is not None:
            moments.append(moment.timestamp())
    return min(moments) if moments else None


LATER = object()  # "the next horizon, if the answer is kept"


@dataclass
class Answer:
    """A public 200 answer: its bytes, the surrogate keys it shows, and when it stops being valid."""

    body: bytes
    surrogate_keys: list[str] = field(default_factory=list)
    valid_until: Any = None  # epoch seconds, None (no end), or a callable giving either when it is kept
    content_type: str = "application/json"

    @classmethod
    def of(cls, data: Any, surrogate_keys: Iterable[str] = (), valid_until: Any = None) -> Answer:
        body = orjson.dumps(data, default=json_default, option=orjson.OPT_NON_STR_KEYS)
        return cls(body, list(surrogate_keys), valid_until)


class _Local:
    """This process's copy of recent answers, trusted for API_LOCAL_CACHE_SECONDS.

    Saves the shared cache's round trip on hot pages; past that window an entry is still
    served if its generations are current. Another process's change reaches this one within
    the window; this process's own changes drop the entries they affect at once. `known`
    remembers which generations each answer depended on last time, so that the next lookup
    reads them all in its one round trip.
    """

    # Bounded (least recently used first out): a crawler's endless URLs cannot grow them.
    entries = Memo(lambda: settings.API_LOCAL_CACHE_ENTRIES)  # key -> (entry, its generation names)
    known = Memo(lambda: settings.API_LOCAL_CACHE_ENTRIES)  # key -> generation names read last time
    sightings = Memo(lambda: settings.API_CACHE_SIGHTINGS)  # key -> times asked for, not yet admitted

    @classmethod
    def admitted(cls, key: str, after: int) -> bool:
        """Whether this URL has been asked for `after` times here, enough to use the shared cache."""
        if after <= 1 or key in cls.known:
            return True
        count = cls.sightings.get(key, 0) + 1
        if count >= after:
            cls.sightings.pop(key)
            return True
        cls.sightings.put(key, count)
        return False

    @classmethod
    def remember(cls, key: str, entry: tuple) -> None:
        cls.entries.put(key, (entry, frozenset(entry[0])))

    @classmethod
    def learn(cls, key: str, names: tuple[str, ...]) -> None:
        cls.known.put(key, names)

    @classmethod
    def forget(cls, names: Iterable[str] | None = None) -> None:
        if names is None or GENERATION.format(EVERYTHING) in set(names):
            cls.entries.clear()
            if names is None:
                cls.known.clear()
                cls.sightings.clear()
            return
        gone = set(names)
        cls.entries.drop(lambda value: bool(value[1] & gone))


def _sequence_start() -> int:
    """Where the sequence (re)starts when the cache lost it: above every number it gave before,
    as it gives far fewer than one a microsecond."""
    return time.time_ns() // 1000


def _next_number() -> int:
    try:
        return cache.incr(SEQUENCE)
    except ValueError:  # not there yet, or lost (evicted, a restarted Redis)
        cache.add(SEQUENCE, _sequence_start(), None)
        return cache.incr(SEQUENCE)


_forgetting: list[Callable[[set[str]], None]] = []


def on_purge(callback: Callable[[set[str]], None]) -> None:
    """Apps with a per-process memory of their own (the rail's) drop it when its keys are
    purged, in every process: `callback` gets the purged keys."""
    if callback not in _forgetting:
        _forgetting.append(callback)


def _forget_here(names: Iterable[str]) -> None:
    names = list(names)
    _Local.forget(names)
    keys = {name.removeprefix(GENERATION.format("")) for name in names}
    for callback in _forgetting:
        try:
            callback(keys)
        except Exception:
            logger.exception("a purge listener failed")


def purge(keys: Iterable[str]) -> None:
    """Make every cached answer depending on any of `keys` stale. Cheap; call after the commit.

    Raises when the shared cache cannot be reached: the change stream keeps the purge pending
    and retries it until it succeeds (a lost bump would leave old answers current for good).
    Once bumped, every web process is told at once (Redis pub/sub) and drops its own copies.
    """
    names = [GENERATION.format(key) for key in set(keys)]
    _forget_here(names)
    if not names:
        return
    number = _next_number()
    cache.set_many(dict.fromkeys(names, number), GENERATION_SECONDS)
    broadcast.announce(names)


def invalidate() -> tuple[str, float | None]:
    """Make every cached public answer stale (operators, demo loading, tests); returns the new
    token of `all` and the next horizon."""
    purge([EVERYTHING])
    return "", next_horizon()


def invalidate_on_event(event) -> None:
    """Outbox consumer, run after the event's work has committed (not before, or a reader could
    cache the old document under the new generation): the answers depending on its keys go stale.
    A failure raises, so the purge stays pending and is retried."""
    purge(event.keys)
    metrics.visible("api", event)


def _response_key(request: HttpRequest) -> str:
    # Links in answers are absolute, so the host and scheme are part of the key.
    url = request.build_absolute_uri()
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"api:answer:{digest}"


def _make_response(
    request: HttpRequest,
    body: bytes,
    etag: str,
    surrogate: str,
    content_type: str = "application/json",
    valid_until: float | None = None,
) -> HttpResponse:
    # META, not `request.headers`: building that mapping of every header cost a public read more
    # than the two it needs.
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    return public_headers(response, surrogate, valid_until)


def public_headers(response: HttpResponse, surrogate: str, valid_until: float | None = None) -> HttpResponse:
    """The caching headers of a public answer: its surrogate keys, a short Cache-Control for
    browsers, and with a purging CDN a longer lifetime for it (up to `valid_until`)."""
    if surrogate:
        response[settings.PUBLIC_CACHE_KEY_HEADER] = surrogate
    # Browsers and shared caches may keep it briefly; ours is purged on every change.
    patch_cache_control(response, public=True, max_age=settings.API_CDN_MAX_AGE)
    if settings.CDN_MAX_AGE > 0:
        # A CDN that Portal purges (PURGE_BACKEND) keeps it longer, but never past the moment
        # it changes by itself (a scheduled article going out, a photo's rights running out).
        seconds = settings.CDN_MAX_AGE
        if valid_until is not None:
            seconds = max(0, min(seconds, int(valid_until - time.time())))
        response["Surrogate-Control"] = f"max-age={seconds}"  # Fastly, Varnish (deploy/varnish)
        response["CDN-Cache-Control"] = f"public, max-age={seconds}"  # RFC 9213: Cloudflare, others
    return response


def _respond(request: HttpRequest, entry: tuple) -> HttpResponse:
    _names, _built_at, valid_until, body, etag, surrogate, content_type = entry
    return _make_response(request, body, etag, surrogate, content_type, valid_until)


def _is_entry(entry: Any) -> bool:
    return isinstance(entry, tuple) and len(entry) == 7


def _fresh(entry: tuple) -> bool:
    return entry[2] is None or time.time() < entry[2]


def _current(entry: tuple, generations: dict[str, Any]) -> bool:
    """No key the answer carries was bumped after the build started (never bumped: absent)."""
    built_at = entry[1]
    for name in entry[0]:
        number = generations.get(name)
        if number is not None and not (isinstance(number, int) and number <= built_at):
            return False  # bumped since (or unreadable: taken as bumped)
    return True


class _State:
    """What one request learned from the cache before building: the sequence number to record
    with its answer (None: do not store), and the key to store it under."""

    __slots__ = ("number", "key", "base")

    def __init__(self, number: int | None, key: str, base: tuple[str, ...] = ()) -> None:
        self.number = number
        self.key = key
        self.base = base


def lookup(request: HttpRequest, keys: Iterable[str], *, admit_after: int = 1) -> HttpResponse | None:
    """The cached answer if it is current, usually in one cache round trip; else None.

    `admit_after`: use the shared cache for this URL from the request of it this process sees
    this many times (for answers read across a long tail, such as article details).
    """
    if settings.API_CACHE_SECONDS <= 0:
        return None
    broadcast.listen(_forget_here)
    key = _response_key(request)
    age, remembered = _Local.entries.get_with_age(key)
    local = remembered[0] if remembered is not None else None
    # A CDN's fetch (RFC 8586 `CDN-Loop`) follows a purge: it asks the shared cache, which knows
    # of the change, not this process's memory, which may not yet (see distribution.purge.queue.settle_seconds).
    # The age is since the copy was built or last confirmed by the shared cache; serving it from
    # here never resets it.
    trusted_local = min(settings.API_LOCAL_CACHE_SECONDS, settings.API_LOCAL_MAX_AGE)
    if "HTTP_CDN_LOOP" in request.META:
        trusted_local = 0
    if local is not None and age < trusted_local and _fresh(local):
        return _respond(request, local)
    if not _Local.admitted(key, admit_after):
        request._api_cache = _State(None, key)  # answered from the database, not stored
        return None
    base = tuple(GENERATION.format(k) for k in dict.fromkeys((*keys, EVERYTHING)))
    names = list(dict.fromkeys((*base, *_Local.known.get(key, ()))))
    try:
        found = cache.get_many([key, SEQUENCE, *names])
        entry = found.pop(key, None)
        confirmed = _is_entry(entry)  # the shared cache holds it: its generations can vouch for it
        if not confirmed and local is not None and age < settings.API_LOCAL_MAX_AGE:
            # Gone from the shared cache (evicted, a restarted Redis that lost the generations
            # too): this process's copy, only while it is young, and without renewing it.
            entry = local
        if _is_entry(entry):
            unread = [name for name in entry[0] if name not in names]
            if unread:  # this process has not seen the answer's keys yet
                found.update(cache.get_many(unread))
                _Local.learn(key, tuple(entry[0]))
        number = found.get(SEQUENCE)
        if number is None:  # a new or emptied cache: start the sequence (or take a racer's start)
            cache.add(SEQUENCE, _sequence_start(), None)
            number = cache.get(SEQUENCE)
    except Exception:
        logger.warning("API cache unreachable; answering uncached", exc_info=True)
        request._api_cache = _State(None, key)
        return None
    request._api_cache = _State(number, key, base)
    if _is_entry(entry) and _fresh(entry) and _current(entry, found):
        if confirmed:
            _Local.remember(key, entry)
        return _respond(request, entry)
    return None


def cached_response(request: HttpRequest, build: Callable[[], Answer | Any], *, keys: Iterable[str]) -> HttpResponse:
    """Answer from the cache when current, else `build()` and store it.

    `build` returns an `Answer` (or JSON-able data for one) for a 200, or raises an API
    exception, which is never cached.
    """
    django_request = getattr(request, "_request", request)
    keys = list(keys)
    state = getattr(django_request, "_api_cache", None)
    if state is None:
        hit = lookup(django_request, keys)  # called outside CacheFirstMixin: admitted at once
        if hit is not None:
            return hit
        state = getattr(django_request, "_api_cache", None)

    answer = build()
    storing = state is not None and state.number is not None
    if not isinstance(answer, Answer):
        answer = Answer.of(answer, valid_until=LATER)
    if answer.valid_until is LATER or callable(answer.valid_until):
        # The horizon costs queries: worth it only for an answer that will be kept.
        later = next_horizon if answer.valid_until is LATER else answer.valid_until
        # A CDN keeping the answer needs it too (Surrogate-Control).
        answer.valid_until = later() if storing or settings.CDN_MAX_AGE > 0 else None
    etag = '"' + hashlib.blake2b(answer.body, digest_size=12).hexdigest() + '"'
    surrogate = " ".join(dict.fromkeys(answer.surrogate_keys))
    if storing:
        names = tuple(dict.fromkeys((*state.base, *(GENERATION.format(k) for k in answer.surrogate_keys))))
        _Local.learn(state.key, names)
        entry = (names, state.number, answer.valid_until, answer.body, etag, surrogate, answer.content_type)
        _Local.remember(state.key, entry)
        try:
            cache.set(state.key, entry, settings.API_CACHE_SECONDS)
        except Exception:
            logger.warning("could not store an API response in the cache", exc_info=True)
    return _make_response(django_request, answer.body, etag, surrogate, answer.content_type, answer.valid_until)


class CacheFirstMixin:
    """For public read-only viewsets: a current cached answer skips DRF altogether.

    Only anonymous, shareable reads may use it; `cache_keys()` names what an answer depends on,
    and the view's handlers call `cached_response` with the same keys to fill the cache.
    """

    def cache_keys(self, **kwargs) -> list[str]:
        return ["list"]

    def cache_admit_after(self, **kwargs) -> int:
        """How many reads of a URL in one process before its answer uses the shared cache."""
        return 1

    # Public answers may come from a read replica (core.replicas).
    replica_reads = True

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            hit = lookup(request, self.cache_keys(**kwargs), admit_after=self.cache_admit_after(**kwargs))
            if hit is not None:
                hit.headers.setdefault("Allow", ", ".join(self.allowed_methods))  # as DRF's own answers
                return hit
        return super().dispatch(request, *args, **kwargs)
