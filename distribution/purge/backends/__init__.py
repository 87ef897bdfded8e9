"""Purge backends (`PURGE_BACKEND`), as Wagtail's frontend cache has them: each only speaks to
its CDN; the queue (`distribution.purge.queue`) batches, deduplicates and retries.

By surrogate key (`tags.py`): every answer carrying a key goes, whatever its URL.
- `Varnish`: a `PURGE` to each Varnish (`PURGE_VARNISH_URLS`) with the keys in `xkey-softpurge`
  (or `xkey-purge` without `PURGE_SOFT`), which the VCL hands to the xkey module (varnish-modules).
- `Fastly`: `POST /service/{id}/purge` with `{"surrogate_keys": [...]}` (256 a call).
- `Cloudflare`: `POST /client/v4/zones/{zone}/purge_cache` with `{"tags": [...]}` (100 a call).

By URL (`urls.py`, `china.py`): each change is turned into the URLs whose answers show it
(`urls.paths_for`); what no URL list can name (search, other query strings) is kept by the CDN
for at most `PURGE_UNLISTED_MAX_AGE` seconds.
- `Urls`: a plain `PURGE` of each URL to each cache in `PURGE_VARNISH_URLS`.
- `Aliyun`: Alibaba Cloud CDN's `RefreshObjectCaches` (URLs as `File`, folders as `Directory`).
- `Tencent`: Tencent Cloud CDN's `PurgeUrlsCache` and `PurgePathCache`.

`NoPurge` (the default) is for a site with no CDN in front.
"""

from .base import NoPurge, PurgeBackend, PurgeFailed
from .china import Aliyun, Tencent
from .tags import Cloudflare, Fastly, Varnish
from .urls import Urls

__all__ = ["Aliyun", "Cloudflare", "Fastly", "NoPurge", "PurgeBackend", "PurgeFailed", "Tencent", "Urls", "Varnish"]
