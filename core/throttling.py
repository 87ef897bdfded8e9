"""DRF's scoped throttle, answering 503 instead of a 500 when its cache does not answer."""

import logging

from django.utils.translation import gettext as _
from rest_framework import throttling

from .errors import ServiceUnavailable
from .net import limit_key

logger = logging.getLogger(__name__)


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """Keys on `REMOTE_ADDR`, which `core.middleware.TrustedProxyMiddleware` has already set to the
    client's address (a client-sent `X-Forwarded-For` is never read here); IPv6 by its /64.

    A limit that cannot be checked is not waived: the request is refused with 503, so a login
    cannot be guessed at while Redis is down.
    """

    def get_rate(self):
        # DRF copies the rates once at import; read them now, so settings changes apply.
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request):
        return limit_key(request.META.get("REMOTE_ADDR", ""))

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as error:  # the cache backend's own errors differ (redis, files)
            logger.warning("throttle %s could not reach the cache: %s", self.scope, error)
            raise ServiceUnavailable(_("The rate limiter is unavailable; try again shortly.")) from error
