"""Middleware of the floor: the client's real address, the request's language, and 503s for a
database that is down."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .net import client_address

logger = logging.getLogger(__name__)


class TrustedProxyMiddleware:
    """Sets `REMOTE_ADDR` to the client's address and drops forwarding headers nobody trusted.

    First in the chain, so throttles, the visitor hash and the admin's login limit all see the
    same address, and a client cannot pick one by sending `X-Forwarded-For` itself, nor claim
    HTTPS with `X-Forwarded-Proto`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        client, trusted, known = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR", ""))
        meta["PORTAL_PEER_ADDR"] = peer
        meta["REMOTE_ADDR"] = client
        meta["PORTAL_CLIENT_KNOWN"] = known
        meta.pop("HTTP_X_FORWARDED_FOR", None)
        if not trusted:
            meta.pop("HTTP_X_FORWARDED_PROTO", None)
            meta.pop("HTTP_X_FORWARDED_HOST", None)
        return self.get_response(request)


class LanguageMiddleware:
    """One language per request, every message in it.

    The API speaks what the client's `Accept-Language` asks for among `LANGUAGES` (`zh-CN` is
    Simplified Chinese, `en-US` English), and the site's `LANGUAGE_CODE` when it asks for
    none we have. The admin and the pages speak the site's language whatever the browser
    says, so a newsroom's desk reads the same on every editor's machine.

    A public answer that succeeds says the same in every language (content, not messages), so
    only API errors and writes vary: they carry `Content-Language` and `Vary: Accept-Language`,
    and a CDN keeps one copy per language of the few errors it keeps.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith("/api/")
        language = translation.get_language_from_request(request) if api else settings.LANGUAGE_CODE
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        if api and (response.status_code >= 400 or request.method not in ("GET", "HEAD")):
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
            patch_vary_headers(response, ("Accept-Language",))
        return response


class RejectNulMiddleware:
    """A NUL character in the path (404) or the query string (400) is refused before any view runs;
    a cookie holding one is dropped.

    No slug, id or search term contains one, and PostgreSQL refuses them in text, so
    letting one through could only end in a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return JsonResponse({"detail": _("Not found.")}, status=404)  # no path has one
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return JsonResponse({"detail": _("The query string contains a NUL character.")}, status=400)
        # A cookie with one was never set by us (a session key, a CSRF token, the replica pin):
        # the request goes on as if it had not been sent.
        if any("\x00" in name or "\x00" in value for name, value in request.COOKIES.items()):
            request.COOKIES = {n: v for n, v in request.COOKIES.items() if "\x00" not in n and "\x00" not in v}
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Under /api/: oversized non-upload bodies get 413 before anything reads them, and an HTML
    400/404/405/500 (unknown path, DEBUG pages) becomes `{"detail"}` in the request's language."""

    messages = {
        400: gettext_lazy("Bad request."),
        404: gettext_lazy("Not found."),
        405: gettext_lazy("Method not allowed."),
        500: gettext_lazy("Server error."),
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            too_large = self._too_large(request)
            if too_large is not None:
                return too_large
        return self._respond(request)

    def _respond(self, request):
        response = self.get_response(request)
        if (
            response.status_code in self.messages
            and request.path_info.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return JsonResponse({"detail": str(self.messages[response.status_code])}, status=response.status_code)
        return response

    @staticmethod
    def _too_large(request):
        # DRF's JSON parser reads the stream directly, past Django's own check;
        # uploads may carry a photo of up to MEDIA_MAX_BYTES plus their form fields.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": _("Content-Length is not a number.")}, status=400)
        if request.content_type == "multipart/form-data":
            limit = settings.MEDIA_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return JsonResponse(
                {
                    "detail": _("The request body has %(size)d bytes; at most %(limit)d are accepted.")
                    % {"size": length, "limit": limit}
                },
                status=413,
            )
        return None


class DatabaseUnavailableMiddleware:
    """A database that refuses connections is a 503 with `Retry-After`, never a 500.

    DRF views get the same from the API's exception handler; this catches the rest (admin,
    preview, pages). The details go to the log, not to the client.
    """

    retry_after = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable at %s: %s", request.path, exception)
        drop_broken_connection()
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"detail": _("The database is unavailable; try again shortly.")}, status=503)
        else:
            response = HttpResponse(
                _("The database is unavailable; try again shortly."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response["Retry-After"] = str(self.retry_after)
        return response


class PageCSPMiddleware:
    """django-csp's middleware for pages only: the JSON API (every reader's hot path) skips it
    before any policy is built; pages get the policy in CONTENT_SECURITY_POLICY."""

    def __init__(self, get_response) -> None:
        from csp.middleware import CSPMiddleware
        from django.conf import settings

        self.get_response = get_response
        self.pages = CSPMiddleware(get_response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        self.skipped = tuple(policy.get("EXCLUDE_URL_PREFIXES", ()))

    def __call__(self, request):
        if self.skipped and request.path_info.startswith(self.skipped):
            return self.get_response(request)
        return self.pages(request)


def drop_broken_connection() -> None:
    """After a database error, close the connection if it no longer works, so the next request
    (once the database is back) connects anew instead of failing on a dead socket."""
    from django.db import connection

    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()
