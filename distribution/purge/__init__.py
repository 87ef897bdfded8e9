"""CDN purges in one place: the queue (`queue`: every change's keys, batched, deduplicated and
retried until the CDN takes them) and the backends that speak to each CDN (`backends/`).
`PURGE_BACKEND` names a backend by its path here, e.g. `distribution.purge.Varnish`."""

from .backends import Aliyun, Cloudflare, Fastly, NoPurge, PurgeBackend, PurgeFailed, Tencent, Urls, Varnish

__all__ = ["Aliyun", "Cloudflare", "Fastly", "NoPurge", "PurgeBackend", "PurgeFailed", "Tencent", "Urls", "Varnish"]
