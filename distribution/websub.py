"""WebSub: when a public article changes, the hub (`WEBSUB_HUB_URL`) is told which of our feeds
changed, so that subscribers fetch them at once instead of polling.

The consumer only names the feeds and queues the pings after the commit; a worker posts them
(`hub.mode=publish`, one `hub.url` per request, as hubs commonly take it). A failed ping is
logged, not retried: the feeds are correct either way and subscribers also poll.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings

from articles.models import Article
from core import announce

from . import outbound

logger = logging.getLogger(__name__)

FORMATS = ("rss", "atom", "json")
PUBLIC_TYPES = ("article.published", "article.updated", "article.unpublished", "article.deleted")


def feed_urls(article_id: int) -> list[str]:
    """Every feed the article is (or was) in: the site's, and its section's, authors' and tags'."""
    base = settings.PUBLIC_BASE_URL
    scopes = [""]
    article = Article.objects.filter(pk=article_id).select_related("section").first()
    if article is not None:
        if article.section_id:
            scopes.append(f"section/{article.section.slug}/")
        scopes += [f"author/{slug}/" for slug in article.bylines.values_list("author__slug", flat=True)]
        scopes += [f"tag/{slug}/" for slug in article.tags.values_list("slug", flat=True)]
    return [f"{base}/feeds/{fmt}/{scope}" for scope in dict.fromkeys(scopes) for fmt in FORMATS]


def websub_consumer(event) -> None:
    """Outbox consumer: queue a ping of the hub for the feeds a public article change reaches."""
    if not settings.WEBSUB_HUB_URL or event.type not in PUBLIC_TYPES:
        return
    urls = feed_urls(int(event.data["id"]))

    from .tasks import websub_ping_task

    announce.enqueue_after_commit(websub_ping_task, urls, otherwise="subscribers still poll")


def ping(urls: list[str]) -> int:
    """Tell the hub each feed changed; returns how many it accepted (2xx)."""
    accepted = 0
    for url in urls:
        body = urlencode({"hub.mode": "publish", "hub.url": url}).encode()
        result = outbound.post(
            settings.WEBSUB_HUB_URL,
            body,
            {"content-type": "application/x-www-form-urlencoded", "user-agent": "Portal-WebSub/1"},
            allow_private=True,
        )
        if result.ok:
            accepted += 1
        else:
            logger.warning("WebSub hub refused %s: %s %s", url, result.code, result.error)
    return accepted
