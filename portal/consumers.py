"""Every consumer of the change stream, and their order, in one place.

Each gets every committed event and keeps its own position (core.outbox). The order is the
order within one event: what settles which answers a change reaches (stored documents, the
search index, feed and sitemap keys) comes first; replicas catch up before anything tells the
world; then webhooks and WebSub; last the purges, which act on the keys the others named.

`supersedes`: the consumer acts on the subject's current state, so a later event of an article
stands for its older ones, and one bad event holds none back. Webhooks do not: each event is a
message of its own, kept in order per receiver by distribution.delivery. Purges neither: each
event's keys are purged, they retry until they succeed and are never quarantined.
"""

from django.conf import settings

from core import api_cache, outbox, purge, replicas

FIRST, PURGE = outbox.FIRST, outbox.PURGE


def _purge_retry() -> list[float]:
    return [settings.OUTBOX_PURGE_RETRY_SECONDS]


def _never() -> None:
    return None


def declare() -> None:
    from articles import documents
    from distribution import delivery, services, websub
    from search import services as search
    from trending import retraction as rail
    from trending import services as trending

    purges = {"supersedes": False, "retry": _purge_retry, "quarantine_after": _never}
    outbox.register("documents", documents.documents_consumer, order=FIRST)
    outbox.register("trending-eligibility", trending.eligibility_consumer, order=FIRST + 5)
    # A pulled or excluded article leaves the rails at once; retried like a purge until it can.
    outbox.register(
        "rail", rail.rail_consumer, order=FIRST + 6, after_commit=True, retry=_purge_retry, quarantine_after=_never
    )
    outbox.register("search-index", search.index_consumer, order=FIRST + 10)
    outbox.register("distribution-keys", services.keys_consumer, order=FIRST + 20, supersedes=False)
    outbox.register("replicas", replicas.wait_consumer, order=FIRST + 25, supersedes=False)
    outbox.register("webhooks", delivery.webhooks_consumer, order=FIRST + 30, supersedes=False)
    outbox.register("websub", websub.websub_consumer, order=FIRST + 30)
    outbox.register("api-cache", api_cache.invalidate_on_event, order=PURGE, after_commit=True, **purges)
    outbox.register("cdn-purge", purge.purge_consumer, order=PURGE, **purges)
