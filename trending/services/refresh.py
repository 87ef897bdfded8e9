"""Rebuilding the rails from the store, flushing counted views to the articles, store upkeep."""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, When
from django.utils import timezone
from prometheus_client import Histogram

from articles.models import Article
from core import locks

from .. import selectors
from ..models import Pin, Snapshot, StoredMeta
from ..stores import get_store
from ..text import cut
from .eligibility import eligibility_sync

logger = logging.getLogger(__name__)

REFRESH_LOCK = "trending:refresh-lock"
REFRESH = Histogram(
    "portal_rail_refresh_seconds",
    "Time to rebuild every rail",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


def _item(rank: int, article: Article, score: float, pinned: bool) -> dict:
    by_width = settings.TRENDING_CUT_BY_WIDTH
    marker = settings.TRENDING_CUT_MARKER
    summary = article.summary or article.derived_summary  # never captions or credits: see summary_from_blocks
    return {
        "rank": rank,
        "article": {
            "id": article.pk,
            "slug": article.slug,
            "title": article.title,
            "section": {"slug": article.section.slug, "name": article.section.name} if article.section else None,
            "published_at": timezone.localtime(article.published_at).isoformat(),
        },
        "short_title": cut(article.title, settings.TRENDING_TITLE_CHARS, marker=marker, by_width=by_width),
        "short_summary": cut(summary, settings.TRENDING_SUMMARY_CHARS, marker=marker, by_width=by_width),
        "score": round(score, 4),
        "pinned": pinned,
    }


def _rail_items(
    ranked: list[tuple[int, float]], pins: list[Pin], articles: dict[int, Article], excluded: set[int], size: int
) -> list[dict]:
    scores = dict(ranked)
    pinned = {pin.position: pin.article_id for pin in pins if pin.article_id in articles and pin.position <= size}
    pinned_ids = set(pinned.values())
    organic = [aid for aid, _ in ranked if aid in articles and aid not in excluded and aid not in pinned_ids]
    order: list[tuple[int, bool]] = []
    for position in range(1, size + 1):
        if position in pinned:
            order.append((pinned[position], True))
        elif organic:
            order.append((organic.pop(0), False))
    return [
        _item(rank, articles[aid], scores.get(aid, 0.0), is_pinned)
        for rank, (aid, is_pinned) in enumerate(order, start=1)
    ]


def trending_refresh(*, now: datetime | None = None) -> dict[str, int]:
    """Rebuild every rail's snapshot; two refreshes never overlap.

    The lock dies with its holder (see `core.locks`): a worker killed mid-refresh does not hold
    the next one back, and the next beat tick rebuilds every rail in full.
    """
    with locks.held(REFRESH_LOCK) as taken:
        if not taken:
            return {"skipped": 1}
        with REFRESH.time():
            return _refresh(now or timezone.now())


def _refresh(now: datetime) -> dict[str, int]:
    store = get_store()
    timestamp = now.timestamp()
    eligibility_sync()
    store.roll_hours(now=timestamp)
    excluded = selectors.active_exclusions(now)
    pins = selectors.active_pins(now)
    sections = selectors.sections()
    previous = selectors.snapshot_rankings() if store.tracked() == 0 else {}
    plans = []
    wanted: set[int] = set()
    for rail, config in settings.TRENDING_RAILS.items():
        for section in [None, *sections]:
            rail_pins = [p for p in pins if p.rail == rail and p.section_id == (section.pk if section else None)]
            limit = config["size"] * 3 + len(excluded) + len(rail_pins)
            ranked = store.top(config["kind"], section.pk if section else None, limit, now=timestamp)
            if not ranked and previous:
                # Redis restarted empty (or was flushed): it knows nothing yet, so the rail keeps
                # its last ranking, still checked for unpublished and too-old articles, until
                # views arrive again.
                ranked = previous.get((rail, section.slug if section else ""), [])
            plans.append((rail, config, section, ranked, rail_pins))
            wanted.update(aid for aid, _ in ranked)
            wanted.update(p.article_id for p in rail_pins)
    max_age = max(timedelta(hours=c["max_age_hours"]) for c in settings.TRENDING_RAILS.values())
    articles = selectors.candidates(sorted(wanted), now=now, max_age=max_age)
    built = 0
    for rail, config, section, ranked, rail_pins in plans:
        young = {
            aid: a
            for aid, a in articles.items()
            if a.published_at is not None and a.published_at >= now - timedelta(hours=config["max_age_hours"])
        }
        items = _rail_items(ranked, rail_pins, young, excluded, config["size"])
        slug = section.slug if section else ""
        data = {
            "rail": rail,
            "section": slug or None,
            "generated_at": timezone.localtime(now).isoformat(),
            "items": items,
        }
        Snapshot.objects.update_or_create(rail=rail, section_slug=slug, defaults={"generated_at": now, "items": items})
        try:
            cache.set(selectors.snapshot_key(rail, slug), data, None)
        except Exception:
            logger.warning("could not cache the %s/%s rail", rail, slug or "site", exc_info=True)
        built += 1
    return {"rails": built, "tracked": store.tracked()}


def view_counts_flush() -> int:
    """Add the views counted in the store to `Article.view_count`, in bulk; `updated_at` stays.

    Exactly once: the store hands out a numbered batch and forgets it only after the
    database committed it; the batch number is committed with the counts, so a batch
    whose release failed is recognised and not added twice.
    """
    store = get_store()
    flushed = 0
    for _pass in range(2):  # a leftover batch from a failed flush first, then what was counted since
        with transaction.atomic():
            batch, counts = store.views_claim()
            if not counts:
                break
            if not _batch_recorded(batch):
                _view_counts_add(counts)
                flushed += sum(counts.values())
        store.views_release(batch)
    return flushed


def _batch_recorded(batch: int) -> bool:
    """Whether `batch` was added already; records it as added otherwise (in the caller's transaction)."""
    if not batch:
        return False  # the database store's claims commit with the counts themselves
    row, _ = StoredMeta.objects.select_for_update().get_or_create(name="views-batch", defaults={"value": 0})
    if int(row.value) == batch:
        return True
    row.value = batch
    row.save(update_fields=["value"])
    return False


def _view_counts_add(counts: dict[int, int]) -> None:
    items = sorted(counts.items())
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        Article.objects.filter(pk__in=[aid for aid, _ in chunk]).update(
            view_count=F("view_count") + Case(*[When(pk=aid, then=n) for aid, n in chunk], default=0)
        )


def store_maintain(*, now: float | None = None) -> int:
    """Rebase t0 and forget articles whose score has decayed to nothing."""
    now = now or time.time()
    store = get_store()
    store.rebase(now=now)
    return store.prune(now=now, min_score=0.01)
