"""API errors every app may raise; the project's exception handler renders them as JSON."""

from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status


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
