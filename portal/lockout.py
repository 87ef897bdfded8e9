"""Login limits (django-axes): per account and address, per address, per account; what a
locked-out login gets: JSON under /api/, a page in the admin, in the site's language."""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed logins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        context = {"message": message, "title": _("Login locked")}
        response = render(request, "admin/locked_out.html", context, status=429)
    response["Retry-After"] = retry_after
    return response


# Each kind of limit counts the failures of its own group of attempts (django-axes keeps one
# row per account, address and browser): one account from one address, one address across
# accounts (a list of usernames tried from one place), one account across addresses (a password
# guessed at from many). AXES_LOCKOUT_PARAMETERS lists the groups in this order.
LOCKOUT_GROUPS = [["username", "ip_address"], "ip_address", "username"]


def _limits() -> list[int]:
    return [settings.AXES_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT, settings.LOGIN_ACCOUNT_FAILURE_LIMIT]


class LoginLimits(AxesDatabaseHandler):
    """django-axes' database handler with a limit per group (axes has one for all): the failures
    of each group are scaled to AXES_FAILURE_LIMIT, so a group is locked exactly when its own
    count reaches its own limit."""

    def get_failures(self, request, credentials=None) -> int:
        base = settings.AXES_FAILURE_LIMIT
        worst = 0
        for attempts, limit in zip(self.get_user_attempts(request, credentials), _limits(), strict=False):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            worst = max(worst, count * base // max(limit, 1))
        return worst

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful login forgets the failures of that account from that address only (the
        person's own typos), never another address's guesses at the account nor the address's
        failures at other accounts."""
        pair = self.filter_user_attempts(request, credentials)[0]
        count, _ = pair.delete()
        return count
