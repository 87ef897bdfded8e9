"""API errors every app may raise, and the JSON answers for every failure the API can meet (the
project's exception handler and error pages), so bad input never becomes a 500."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.middleware import drop_broken_connection


class ServiceUnavailable(exceptions.APIException):
    """503 with `Retry-After`: a service we depend on is down; the request may be sent again."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy("A service this request needs is unavailable; try again shortly.")
    default_code = "service_unavailable"
    retry_after = 5

    def __init__(self, detail=None, code=None, *, retry_after: int | None = None) -> None:
        super().__init__(detail, code)
        if retry_after is not None:
            self.retry_after = retry_after


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state.")
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The resource changed since you read it.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy("This request needs an If-Match header with the ETag you read.")
    default_code = "precondition_required"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


# --- JSON answers for every failure ---------------------------------------------------------------

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
