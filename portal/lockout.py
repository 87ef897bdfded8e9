"""What a locked-out login gets from django-axes: JSON under /api/, a page in the admin."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed logins for this account from this address. Try again in %(minutes)d minutes.") % {
        "minutes": minutes
    }
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        context = {"message": message, "title": _("Login locked")}
        response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = retry_after
    return response
