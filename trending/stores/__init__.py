"""Where view events are counted: Redis sorted sets (production) or the database (embedded).

Both keep two things per article: a forward-decayed score (Cormode et al.,
"Forward Decay", ICDE 2009: each event adds weight * exp(lambda * (t - t0)),
so ranking needs no recompute on read) and exact views per hour for the
`today` rail; plus a dedupe mark per visitor and article, and views not yet
flushed to `Article.view_count`. One contract test suite runs against both.
"""

from __future__ import annotations

from django.conf import settings

from .base import HOUR, Event, Recorded, Resolver, StoreUnavailable, TrendingStore, database_resolver, decay_rate
from .database_store import DatabaseStore
from .redis_store import RedisStore

__all__ = [
    "HOUR",
    "DatabaseStore",
    "Event",
    "Recorded",
    "RedisStore",
    "Resolver",
    "StoreUnavailable",
    "TrendingStore",
    "database_resolver",
    "decay_rate",
    "get_store",
]


_store: TrendingStore | None = None


def get_store() -> TrendingStore:
    """The configured store, one per process."""
    global _store
    wanted = settings.TRENDING_STORE
    if _store is None or getattr(_store, "_configured_as", None) != (
        wanted,
        settings.REDIS_URL,
        settings.TRENDING_REDIS_PREFIX,
    ):
        if wanted == "redis":
            _store = RedisStore(settings.REDIS_URL, settings.TRENDING_REDIS_PREFIX)
        else:
            _store = DatabaseStore()
        _store._configured_as = (wanted, settings.REDIS_URL, settings.TRENDING_REDIS_PREFIX)
    return _store
