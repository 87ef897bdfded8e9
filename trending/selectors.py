"""Reads for the rail: eligible articles, candidates, snapshots."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from articles.models import PUBLIC_STATUSES, Article, Section
from articles.selectors import public_q
from core.memo import Memo

from .models import Exclusion, Pin, Snapshot

SNAPSHOT_KEY = "trending:snapshot:{rail}:{section}"


def active_exclusions(now: datetime) -> set[int]:
    return set(Exclusion.objects.filter(Q(until__isnull=True) | Q(until__gt=now)).values_list("article_id", flat=True))


def active_pins(now: datetime) -> list[Pin]:
    return list(Pin.objects.filter(Q(until__isnull=True) | Q(until__gt=now)).select_related("section"))


def candidates(ids: list[int], *, now: datetime, max_age: timedelta) -> dict[int, Article]:
    """The public, young-enough articles among `ids`, with what the rail prints."""
    rows = (
        Article.objects.filter(public_q(now), pk__in=ids, published_at__gte=now - max_age)
        .select_related("section")
        .only("id", "slug", "title", "summary", "derived_summary", "published_at", "section__slug", "section__name")
    )
    return {article.pk: article for article in rows}


def snapshot_rankings() -> dict[tuple[str, str], list[tuple[int, float]]]:
    """Each snapshot's articles that are there by their readers (not pins), best first."""
    return {
        (rail, section): [(item["article"]["id"], item["score"]) for item in items or [] if not item.get("pinned")]
        for rail, section, items in Snapshot.objects.values_list("rail", "section_slug", "items")
    }


def sections() -> list[Section]:
    return list(Section.objects.all())


def snapshot_key(rail: str, section: str) -> str:
    return SNAPSHOT_KEY.format(rail=rail, section=section or "-")


def snapshot_read(rail: str, section: str) -> dict | None:
    """The rail as last built: one cache read; the database copy if the cache lost it."""
    key = snapshot_key(rail, section)
    try:
        found = cache.get(key)
    except Exception:  # the cache being down must not take the rail down
        found = None
    if found is not None:
        return found
    row = Snapshot.objects.filter(rail=rail, section_slug=section).first()
    if row is None:
        return None
    data = {"rail": rail, "section": section or None, "generated_at": row.generated_at.isoformat(), "items": row.items}
    try:
        cache.set(key, data, None)
    except Exception:
        pass
    return data


def public_times(ids: list[int]) -> dict[int, tuple[int | None, float | None]]:
    """Articles among `ids`: {id: (section id, public from in epoch seconds, or None if not published
    or scheduled)}; ids with no article are left out.

    One query by primary key; the stores decide against their own clock, so a scheduled
    article counts from its second.
    """
    rows = Article.objects.filter(pk__in=ids).values_list("id", "section_id", "status", "published_at")
    return {
        article: (section, published_at.timestamp() if status in PUBLIC_STATUSES and published_at else None)
        for article, section, status, published_at in rows
    }


def rail_ages() -> list[tuple[dict[str, str], float]]:
    """Each site-wide rail's age in seconds, for the metrics scrape (a rail never built is left out)."""
    now = timezone.now()
    made = Snapshot.objects.filter(section_slug="").values_list("rail", "generated_at")
    return [({"rail": rail}, (now - moment).total_seconds()) for rail, moment in made]


# Snapshots this process read in the last second (the rail changes every 15 s); bounded, as any
# `?section=` value a client sends is a key.
_rails = Memo(256, seconds=1.0)
_NOTHING = object()


def forget_rails(keys: set[str]) -> None:
    """The rails were rebuilt or rewritten (a purge of `trending`): read them anew."""
    if "trending" in keys or "all" in keys:
        _rails.clear()


def rail_snapshot(rail: str, section: str) -> dict | None:
    """The rail's snapshot as this process last read it (at most a second ago)."""
    found = _rails.get((rail, section), _NOTHING)
    if found is not _NOTHING:
        return found
    data = snapshot_read(rail, section)
    _rails.put((rail, section), data)
    return data
