"""CDN purge backends that purge by surrogate key (every answer carrying it, whatever its URL).

- `Varnish`: a `PURGE` to each Varnish (`PURGE_VARNISH_URLS`) with the keys in `xkey-softpurge`
  (or `xkey-purge` without `PURGE_SOFT`), which the VCL hands to the xkey module (varnish-modules).
- `Fastly`: `POST /service/{id}/purge` with `{"surrogate_keys": [...]}` (256 a call), `Fastly-Key`,
  and `Fastly-Soft-Purge: 1` when soft.
- `Cloudflare`: `POST /client/v4/zones/{zone}/purge_cache` with `{"tags": [...]}` (100 a call),
  `Authorization: Bearer`, at most `CLOUDFLARE_PURGE_PER_MINUTE` calls a minute.
"""

from __future__ import annotations

import time

import orjson
from django.conf import settings
from django.core.cache import cache

from ... import outbound
from .base import PurgeBackend, PurgeFailed


def _checked(result: outbound.Result, what: str) -> None:
    if not result.ok:
        raise PurgeFailed(f"{what}: {result.code or result.error}", retry_after=result.retry_after)


class Varnish(PurgeBackend):
    batch_size = 100  # keys in one header
    marks_fetches = True  # deploy/varnish/portal.vcl sends CDN-Loop (a VCL of your own must too)

    def purge(self, keys: list[str]) -> None:
        header = "xkey-softpurge" if settings.PURGE_SOFT else "xkey-purge"
        for server in settings.PURGE_VARNISH_URLS:
            result = outbound.send("PURGE", server.rstrip("/") + "/", b"", {header: " ".join(keys)}, allow_private=True)
            _checked(result, f"Varnish {server}")


class Fastly(PurgeBackend):
    batch_size = 256  # Fastly's limit for one batch purge

    def purge(self, keys: list[str]) -> None:
        headers = {
            "fastly-key": settings.FASTLY_API_TOKEN,
            "content-type": "application/json",
            "accept": "application/json",
        }
        if settings.PURGE_SOFT:
            headers["fastly-soft-purge"] = "1"
        url = f"{settings.FASTLY_API_URL.rstrip('/')}/service/{settings.FASTLY_SERVICE_ID}/purge"
        body = orjson.dumps({"surrogate_keys": keys})
        _checked(outbound.send("POST", url, body, headers, allow_private=True), "Fastly")


class Cloudflare(PurgeBackend):
    batch_size = 100  # Cloudflare's limit of tags in one purge call

    def purge(self, keys: list[str]) -> None:
        headers = {"authorization": f"Bearer {settings.CLOUDFLARE_API_TOKEN}", "content-type": "application/json"}
        url = f"{settings.CLOUDFLARE_API_URL.rstrip('/')}/client/v4/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
        result = outbound.send("POST", url, orjson.dumps({"tags": keys}), headers, allow_private=True)
        _checked(result, "Cloudflare")
        try:
            answer = orjson.loads(result.body or b"{}")
        except orjson.JSONDecodeError:
            answer = {}
        if isinstance(answer, dict) and answer.get("success") is False:
            raise PurgeFailed(f"Cloudflare: {answer.get('errors')}")

    def calls_allowed(self) -> int | None:
        """The plan's calls a minute, counted across processes in the shared cache."""
        minute = int(time.time() // 60)
        key = f"purge:cloudflare:{minute}"
        try:
            cache.add(key, 0, 120)
            used = cache.get(key, 0)
            allowed = max(0, settings.CLOUDFLARE_PURGE_PER_MINUTE - used)
            if allowed:
                cache.incr(key, allowed)  # reserve them for this flush
            return allowed
        except Exception:
            return 1  # no shared count: one call, the rest next flush
