"""Middleware of distribution: what a CDN purged by URL may keep of the answers it cannot purge."""

import re

from .purge import queue


class UnlistedMaxAgeMiddleware:
    """Under a CDN purged by URL, an answer the purge cannot name (search, a query string no list
    of URLs holds) is kept by the CDN for `PURGE_UNLISTED_MAX_AGE` seconds at most, so no
    change stays behind it longer than that."""

    _MAX_AGE = re.compile(r"max-age=(\d+)")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Surrogate-Control" not in response:
            return response
        cap = queue.backend().unlisted_max_age(request.path, dict(request.GET.lists()))
        if cap is None:
            return response
        for header in ("Surrogate-Control", "CDN-Cache-Control"):
            if header in response:
                response[header] = self._MAX_AGE.sub(
                    lambda found: f"max-age={min(int(found.group(1)), cap)}", response[header]
                )
        return response
