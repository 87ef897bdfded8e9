"""Keep the API's errors JSON, even where Django would answer with an HTML page."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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
