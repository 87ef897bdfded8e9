"""Which articles may count: kept current on publish and unpublish, pruned now and then."""

import logging

from django.core.cache import cache

from articles.models import Article
from core.models import OutboxEvent

from ..stores import StoreUnavailable, get_store

logger = logging.getLogger(__name__)

ELIGIBLE_SYNCED = "trending:eligible-synced"


def eligibility_update(*, article_id: int) -> None:
    """Tell the store at once that an article became public or stopped being public.

    Only a head start: a store asks the database about any article it does not know,
    so a failure here delays nothing. A removal that fails is retried by the next prune.
    """
    article = Article.objects.filter(pk=article_id).only("id", "status", "published_at", "section_id").first()
    store = get_store()
    try:
        if article is not None and article.is_published:
            store.eligible_add(article.pk, article.section_id)
        else:
            store.eligible_remove(article_id)
    except StoreUnavailable:
        logger.warning("trending store down; article %s will be checked at the next prune", article_id)
        _forget_quietly(ELIGIBLE_SYNCED)


def eligibility_consumer(event: OutboxEvent) -> None:
    """Outbox consumer: an article's publication, change or removal reaches the store."""
    if event.type.startswith("article.") and event.type != "article.edited":
        eligibility_update(article_id=int(event.data["id"]))


def _forget_quietly(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:  # the cache may be the same Redis that just failed
        logger.warning("could not clear %s in the cache", key, exc_info=True)


def eligibility_sync(*, force: bool = False) -> int:
    """Forget remembered articles that are no longer public (every 10 minutes, or when forced)."""
    try:
        if not force and cache.get(ELIGIBLE_SYNCED):
            return 0
    except Exception:
        logger.warning("cache unreachable; pruning the eligible set now", exc_info=True)
    removed = get_store().eligible_prune()
    try:
        cache.set(ELIGIBLE_SYNCED, True, 600)
    except Exception:
        logger.warning("could not record the eligible set's prune in the cache", exc_info=True)
    return removed
