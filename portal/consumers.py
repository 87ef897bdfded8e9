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

from core import api_cache, outbox, replicas

FIRST, PURGE = outbox.FIRST, outbox.PURGE


def _purge_retry() -> list[float]:
    return [settings.OUTBOX_PURGE_RETRY_SECONDS]


def _never() -> None:
    return None


def declare() -> None:
    """Register the chain below: a consumer's place in it is its order within an event."""
    from articles import documents
    from distribution import delivery, services, websub
    from distribution.purge import queue as purge_queue
    from search import services as search
    from trending import retraction as rail
    from trending import services as trending

    purges = {"supersedes": False, "retry": _purge_retry, "quarantine_after": _never}
    # (name, handler, what it reacts to, options). Consumers settling which answers a change
    # reaches come first; the purges, which act on the keys the others named, come last.
    chain = [
        (
            "documents",
            documents.documents_consumer,
            "article events (renders the document); authors, sections, tags, outlets, agencies"
            " (the workers render the documents showing them anew); photos (rendered on the next read)",
            {},
        ),
        (
            "trending-eligibility",
            trending.eligibility_consumer,
            "article events: publication and removal reach the trending store",
            {},
        ),
        # A pulled or excluded article leaves the rails at once; retried like a purge until it can.
        (
            "rail",
            rail.rail_consumer,
            "article and exclusion events: what is not public now leaves the rails",
            {"after_commit": True, "retry": _purge_retry, "quarantine_after": _never},
        ),
        ("search-index", search.index_consumer, "article events, any status: the article's text is indexed", {}),
        (
            "distribution-keys",
            services.keys_consumer,
            "public article events: names the feeds and sitemaps reached",
            {"supersedes": False},
        ),
        (
            "replicas",
            replicas.wait_consumer,
            "every event: purges wait until the replicas have it",
            {"supersedes": False},
        ),
        (
            "webhooks",
            delivery.webhooks_consumer,
            "the event types endpoints subscribe to: one delivery each",
            {"supersedes": False},
        ),
        ("websub", websub.websub_consumer, "public article events: the hub is pinged for the feeds reached", {}),
    ]
    for position, (name, handle, reacts_to, options) in enumerate(chain):
        outbox.register(name, handle, order=FIRST + 10 * position, reacts_to=reacts_to, **options)
    outbox.register(
        "api-cache",
        api_cache.invalidate_on_event,
        order=PURGE,
        after_commit=True,
        reacts_to="every event's keys: the answers showing them go stale",
        **purges,
    )
    outbox.register(
        "cdn-purge",
        purge_queue.purge_consumer,
        order=PURGE,
        reacts_to="every event's keys: the CDN purges them",
        **purges,
    )
