"""Public reads on a short path: the stored answer, with no more per-request work than it needs.

A public read (an article's detail, a list page) is anonymous, shareable and answered from
stored bytes, so most of the chain a request goes through does nothing for it: no session,
user, CSRF token, messages or login limits, and no DRF request, negotiation or permissions.
`PublicReadsMiddleware` stands after the middleware every answer needs (request id, metrics,
client address, language, errors, security headers, replica routing) and before the rest. For
a GET or HEAD whose view declares a fast handler (`fast_<action>`, e.g. `fast_retrieve`), it
calls that handler and answers with the headers the rest of the chain would have added. A
handler that cannot give a 200 or 304 (a 404, a 400, a database error) returns None, and the
request goes the whole way as any other, so every error keeps its one shape.

`PUBLIC_READS_SHORT_PATH = False` sends everything the whole way (the tests compare the two).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, ResolverMatch, resolve
from rest_framework.exceptions import APIException

from . import api_cache, replicas


def allowed_methods(actions: dict[str, str], names: Iterable[str]) -> str:
    """The `Allow` header DRF gives a viewset bound to `actions` (GET brings HEAD; OPTIONS always)."""
    bound = set(actions) | ({"head"} if "get" in actions else set()) | {"options"}
    return ", ".join(name.upper() for name in names if name in bound)


@lru_cache(maxsize=4096)
def _resolved(urlconf: str, path: str) -> ResolverMatch | None:
    """The URL map's match for `path` (None: no view), remembered: a public read's path is
    resolved once a process, not on every request. The map is fixed while a process runs (a
    test changing ROOT_URLCONF gets another key)."""
    try:
        return resolve(path, urlconf)
    except Resolver404:
        return None


def short_answer(
    request: HttpRequest, keys: list[str], build: Callable[[], api_cache.Answer], *, admit_after: int = 1
) -> HttpResponse | None:
    """A fast handler's body: the cached answer, or `build()` stored and answered; None for
    anything but a 200 or 304 (the whole chain answers those)."""
    hit = api_cache.lookup(request, keys, admit_after=admit_after)
    if hit is not None:
        return hit
    try:
        return api_cache.cached_response(request, build, keys=keys)
    except (APIException, Http404, DatabaseError):
        return None


class PublicReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.method not in ("GET", "HEAD") or not settings.PUBLIC_READS_SHORT_PATH:
            return self.get_response(request)
        match = _resolved(settings.ROOT_URLCONF, request.path_info)
        if match is None:
            return self.get_response(request)
        view = getattr(match.func, "cls", None)
        action = (getattr(match.func, "actions", None) or {}).get("get")
        handler = getattr(view, f"fast_{action}", None) if action else None
        if handler is None:
            return self.get_response(request)
        request.resolver_match = match
        replicas.choose_for(match.func)
        response = handler(request, **match.kwargs)
        if response is None:
            return self.get_response(request)
        # What the rest of the chain adds to such an answer: DRF's Allow, the frame policy
        # (XFrameOptionsMiddleware) and the length (CommonMiddleware).
        response.headers.setdefault("Allow", allowed_methods(match.func.actions, view.http_method_names))
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        if not response.streaming and "Content-Length" not in response:
            response["Content-Length"] = str(len(response.content))
        return response
