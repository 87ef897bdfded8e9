"""The rail drops a pulled or excluded article at once, not at its next refresh.

A change-stream consumer (portal/consumers.py): when an article stops being public (unpublished,
deleted, back to draft) or an editor excludes it, every current snapshot that shows it is
rewritten without it, pins kept at their places and the rest moving up, in the database and the
cache. Its database write does not wait for the cache (readers fall back to it while Redis is
down). The event names `trending` among its keys (the documents consumer adds it for an article
going out; an exclusion names it itself), so purges drop the rail's answers too. The next refresh
fills the place it left.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone

from articles.models import Article
from articles.selectors import public_q

from . import selectors
from .models import Snapshot


def _without(items: list[dict], article_id: int) -> list[dict]:
    """The rail's items less the article: pins keep their positions, the others move up."""
    kept = [item for item in items if item["article"]["id"] != article_id]
    pinned = {item["rank"]: item for item in kept if item.get("pinned")}
    organic = [item for item in kept if not item.get("pinned")]
    ordered: list[dict] = []
    position = 1
    while pinned or organic:
        if position in pinned:
            ordered.append(pinned.pop(position))
        elif organic:
            ordered.append(organic.pop(0))
        position += 1
    return [{**item, "rank": rank} for rank, item in enumerate(ordered, start=1)]


def _shows(items, article_id: int) -> bool:
    return any(item["article"]["id"] == article_id for item in items or [])


def rail_evict(*, article_id: int) -> int:
    """Rewrite every snapshot showing the article without it, in the database and then in the
    cache; returns how many were rewritten. The database copy is written even when the cache is
    down (readers fall back to it); the cache write then raises, and the retry finds the cached
    copy that still shows the article and writes it anew."""
    snapshots = list(Snapshot.objects.all())  # a few dozen rows at most (rails times sections)
    for snapshot in snapshots:
        if _shows(snapshot.items, article_id):
            snapshot.items = _without(snapshot.items, article_id)
            snapshot.save(update_fields=["items"])
    keys = {selectors.snapshot_key(s.rail, s.section_slug): s for s in snapshots}
    cached = cache.get_many(list(keys))  # raises while the cache is down: retried
    rewritten = 0
    for key, snapshot in keys.items():
        if key in cached and _shows(cached[key].get("items"), article_id):
            data = {
                "rail": snapshot.rail,
                "section": snapshot.section_slug or None,
                "generated_at": timezone.localtime(snapshot.generated_at).isoformat(),
                "items": snapshot.items,
            }
            cache.set(key, data, None)
            rewritten += 1
    return rewritten


def rail_consumer(event) -> None:
    """Outbox consumer, after the event's commit: an article that is not public now, or is
    excluded, leaves the rails."""
    kind, _, _action = event.type.partition(".")
    if kind not in ("article", "exclusion") or event.type == "article.edited":
        return
    article_id = int(event.data["id"])
    now = timezone.now()
    public = Article.objects.filter(public_q(now), pk=article_id).exists()
    if public and article_id not in selectors.active_exclusions(now):
        return
    rail_evict(article_id=article_id)
