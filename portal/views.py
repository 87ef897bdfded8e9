"""Health checks, the API root and token login."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from core.middleware import drop_broken_connection

logger = logging.getLogger(__name__)


# What a rendition can be; anything else under uploads/ is never served (no HTML, no SVG).
SERVED_IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp", ".avif": "image/avif"}


def serve_upload(request, path: str):
    """Renditions from the media storage (the embedded setup; production puts a CDN in front), cached for long:
    their names change whenever their content does.

    Only files inside `renditions/` with an image type: the path is judged after it is
    normalised, so `renditions/../images/...` (or `%2e%2e`) cannot reach an original, which
    keeps full metadata and outlives its rights.
    """
    import posixpath

    from django.core.files.storage import FileSystemStorage, default_storage
    from django.http import FileResponse, Http404
    from django.views.static import serve

    if "\x00" in path or "\\" in path or any(part in ("..", ".") for part in path.split("/")):
        raise Http404(_("Not found."))
    normalised = posixpath.normpath(path).lstrip("/")
    extension = posixpath.splitext(normalised)[1].lower()
    if not normalised.startswith("renditions/") or extension not in SERVED_IMAGE_TYPES:
        raise Http404(_("Originals are not served; use a rendition."))  # they carry full metadata
    if isinstance(default_storage, FileSystemStorage):
        response = serve(request, normalised, document_root=settings.MEDIA_ROOT)
    else:  # object storage shared by every host: read through it
        try:
            response = FileResponse(default_storage.open(normalised, "rb"))
        except FileNotFoundError:
            raise Http404(_("Not found.")) from None
    response["Content-Type"] = SERVED_IMAGE_TYPES[extension]
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def metrics(request):
    """`GET /metrics`: Prometheus' text format, for a scraper with the token or from an allowed
    address; 404 unless METRICS_ENABLED (nothing tells a stranger it exists)."""
    import hmac

    from django.http import Http404, HttpResponse

    from core import metrics as exported
    from core.net import address_in, client_known, request_address

    if not settings.METRICS_ENABLED or request.method not in ("GET", "HEAD"):
        raise Http404(_("Not found."))
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    address = request_address(request)
    allowed = settings.METRICS_ALLOWED_ADDRESSES or ([] if token else ["127.0.0.0/8", "::1/128"])
    by_token = bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    # A request a proxy forwarded without naming its client is nobody's: not the proxy's address.
    by_address = client_known(request) and address_in(address, allowed)
    if not (by_token or by_address):
        raise Http404(_("Not found."))
    body, content_type = exported.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


class HealthView(APIView):
    """`GET /healthz`: the process answers. Also the benchmarks' trivial DRF endpoint."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)

    @extend_schema(responses=inline_serializer("Health", {"status": serializers.CharField()}))
    def get(self, request):
        return Response({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    cache.set("readyz", "1", 10)
    if cache.get("readyz") != "1":
        raise RuntimeError("the cache did not return what was stored")


def _check_broker() -> None:
    from portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


class ReadyView(APIView):
    """`GET /readyz`: database, cache and broker answer; 503 names what failed."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    checks = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}

    @extend_schema(
        responses=inline_serializer("Ready", {"status": serializers.CharField(), "checks": serializers.DictField()})
    )
    def get(self, request):
        results: dict[str, str] = {}
        for name, check in self.checks.items():
            try:
                check()
                results[name] = "ok"
            except Exception as error:  # any failure is a reason to take this process out of rotation
                # Hosts, ports and error texts go to the log only: the answer is public.
                logger.warning("readiness check %s failed: %s: %s", name, type(error).__name__, error)
                results[name] = "failed"
        if results.get("database") == "failed":
            drop_broken_connection()  # the next check reconnects once the database is back
        failed = [name for name, result in results.items() if result != "ok"]
        if failed:
            return Response(
                {"status": "unavailable", "detail": f"not ready: {', '.join(failed)}", "checks": results},
                status=503,
                headers={"Retry-After": "5"},
            )
        return Response({"status": "ok", "checks": results})


class ApiRootView(APIView):
    """`GET /api/v1/`: where everything is."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)

    @extend_schema(responses=inline_serializer("ApiRoot", {"articles": serializers.URLField()}))
    def get(self, request):
        names = ["article-list", "author-list", "section-list", "tag-list"]
        links = {name.split("-")[0] + "s": reverse(name, request=request) for name in names}
        links["trending"] = reverse("trending-rail", request=request)
        links["trending_events"] = reverse("trending-events", request=request)
        links["search"] = reverse("search", request=request)
        links["search_suggest"] = reverse("search-suggest", request=request)
        links["schema"] = request.build_absolute_uri("/api/schema/")
        links["docs"] = request.build_absolute_uri("/api/docs/")
        return Response(links)
