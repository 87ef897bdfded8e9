"""Keep the API's errors JSON, even where Django would answer with an HTML page."""

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation


class ApiJsonErrorsMiddleware:
    """Under /api/: errors in English, oversized non-upload bodies get 413 before anything reads them, and
    an HTML 400/404/405/500 (unknown path, DEBUG pages) becomes `{"detail"}`."""

    messages = {400: "Bad request.", 404: "Not found.", 405: "Method not allowed.", 500: "Server error."}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self._respond(request)
        # One language for API errors: the project's own messages are English, so DRF's and
        # Django's are too, whatever the admin's LANGUAGE_CODE (and only for this request).
        with translation.override("en"):
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
            return JsonResponse({"detail": self.messages[response.status_code]}, status=response.status_code)
        return response

    @staticmethod
    def _too_large(request):
        # DRF's JSON parser reads the stream directly, past Django's own check;
        # uploads may carry a photo of up to MEDIA_MAX_BYTES plus their form fields.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
        if request.content_type == "multipart/form-data":
            limit = settings.MEDIA_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        else:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return JsonResponse(
                {"detail": f"The request body has {length} bytes; at most {limit} are accepted."}, status=413
            )
        return None
