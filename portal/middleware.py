"""Keep the API's errors JSON even where Django would answer with an HTML page."""

from django.http import JsonResponse


class ApiJsonErrorsMiddleware:
    """Under /api/, an HTML 404 or 500 (unknown path, DEBUG pages) becomes `{"detail"}`."""

    messages = {400: "Bad request.", 404: "Not found.", 405: "Method not allowed.", 500: "Server error."}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in self.messages
            and request.path_info.startswith("/api/")
            and response.get("Content-Type", "").startswith("text/html")
        ):
            return JsonResponse({"detail": self.messages[response.status_code]}, status=response.status_code)
        return response
