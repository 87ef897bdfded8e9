"""JSON errors for every failure the API can meet, so bad input never becomes a 500."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import PayloadTooLarge, ServiceUnavailable
from core.middleware import drop_broken_connection

logger = logging.getLogger(__name__)


def _validation_detail(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"detail": error.messages[0] if len(error.messages) == 1 else error.messages}


def json_exception_handler(exc, context):
    """DRF's handler plus Django's own exceptions that DRF leaves as 500s."""
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, OperationalError | InterfaceError):
        # Refused connections, a failover, a lock or statement time-out: worth retrying.
        logger.error("database unavailable: %s", exc)
        drop_broken_connection()
        exc = ServiceUnavailable(_("The database is unavailable; try again shortly."))
    response = exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    retry_after = getattr(exc, "retry_after", None)
    if response is not None and retry_after is not None and not isinstance(exc, exceptions.Throttled):
        response["Retry-After"] = str(retry_after)
    return response


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def handler404(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler400(request, exception=None):
    if _wants_json(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler500(request):
    if _wants_json(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    from django.views.defaults import server_error

    return server_error(request)
