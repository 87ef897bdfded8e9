"""Every write of the trending app: ingesting events, refreshing rails, pins and exclusions."""

import hashlib
import hmac
import logging
import time
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import crawleruseragents
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, When
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article
from core import announce, locks, outbox, roles
from core.net import address_in, limit_key

from . import selectors
from .metrics import EVENTS, REFRESH
from .models import Exclusion, Pin, Snapshot, StoredMeta
from .stores import Event, Recorded, StoreUnavailable, get_store
from .text import cut

logger = logging.getLogger(__name__)

REFRESH_LOCK = "trending:refresh-lock"
ELIGIBLE_SYNCED = "trending:eligible-synced"


# --- ingest --------------------------------------------------------------------------------------


@lru_cache(maxsize=50_000)
def is_crawler(user_agent: str) -> bool:
    """Crawlers and monitors by user agent (the crawler-user-agents list), a cached lookup per agent."""
    if not user_agent.strip():
        return True  # real browsers always send one
    return crawleruseragents.is_crawler(user_agent[:512])


@lru_cache(maxsize=4)
def _daily_salt(day: str) -> bytes:
    """A salt that changes every day, so yesterday's hashes cannot be linked to today's."""
    return hmac.new(settings.SECRET_KEY.encode(), f"trending-visitor:{day}".encode(), hashlib.sha256).digest()


def visitor_key(*, sent: str | None, cookie: str | None, address: str, user_agent: str, day: str) -> str:
    """A bounded opaque key: the visitor id as sent, else the cookie, else a salted daily hash of
    address and user agent (so neither is ever stored)."""
    if sent:
        base = "s:" + sent[:200]
    elif cookie:
        base = "c:" + cookie[:200]
    else:
        base = "h:" + hmac.new(_daily_salt(day), f"{address}\n{user_agent}".encode(), hashlib.sha256).hexdigest()
    return hashlib.blake2b(base.encode(), digest_size=10).hexdigest()


def source_key(*, address: str, day: str) -> str:
    """The sending address as the per-address cap knows it: a salted daily hash, or "" for a
    trusted sender (a log shipper sending for many readers), which is not capped."""
    if address_in(address, settings.TRENDING_TRUSTED_SENDERS):
        return ""
    # An IPv6 sender by its /64: one line or machine holds the whole block.
    return hmac.new(_daily_salt(day), f"source\n{limit_key(address)}".encode(), hashlib.sha256).hexdigest()[:24]


def events_record(
    *, events: list[Any], address: str, user_agent: str, cookie: str | None, now: float | None = None
) -> dict[str, int]:
    """Check, deduplicate and count one batch; answers the tally for the response.

    One call to the store per batch, whatever its size: with Redis that is one
    round trip and no database write.
    """
    now = now or time.time()
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    weights = settings.TRENDING_WEIGHTS
    source = source_key(address=address, day=day)
    valid: list[Event] = []
    invalid = bots = 0
    for raw in events:
        if not isinstance(raw, dict):
            invalid += 1
            continue
        article, kind = raw.get("article"), raw.get("type", "view")
        visitor = raw.get("visitor")
        agent = raw.get("user_agent") if isinstance(raw.get("user_agent"), str) else user_agent
        if (
            not isinstance(article, int)
            or isinstance(article, bool)
            or not 0 < article < 2**63
            or kind not in weights
            or (visitor is not None and not isinstance(visitor, str))
        ):
            invalid += 1
            continue
        if is_crawler(agent):
            bots += 1
            continue
        key = visitor_key(sent=visitor, cookie=cookie, address=address, user_agent=agent, day=day)
        valid.append(Event(article_id=article, kind=kind, weight=weights[kind], visitor=key, source=source))
    result: Recorded = get_store().record(valid, now=now, bots=bots, invalid=invalid)
    for outcome, count in (
        ("accepted", result.accepted),
        ("duplicate", result.duplicates),
        ("ineligible", result.ineligible),
        ("limited", result.limited),
        ("bot", bots),
        ("invalid", invalid),
    ):
        if count:
            EVENTS.labels(outcome).inc(count)
    return {
        "accepted": result.accepted,
        "rejected": len(events) - result.accepted,
        "duplicates": result.duplicates,
        "ineligible": result.ineligible,
        "limited": result.limited,
        "bots": bots,
        "invalid": invalid,
    }


# --- eligibility, kept current on publish and unpublish ----------------------------------------


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


def eligibility_consumer(event) -> None:
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


# --- refresh -------------------------------------------------------------------------------------


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
            "section": {"slug": article.section.slug, "name": article.section.name} if article.section_id else None,
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
            aid: a for aid, a in articles.items() if a.published_at >= now - timedelta(hours=config["max_age_hours"])
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


# --- editors -------------------------------------------------------------------------------------


def _refresh_soon() -> None:
    from .tasks import trending_refresh_task

    announce.enqueue_after_commit(trending_refresh_task, otherwise="the schedule will pick the change up")


@transaction.atomic
def pin_create(*, article: Article, rail: str, position: int, by, section=None, until=None) -> Pin:
    """Hold `article` at `position`; a pin already there, or of the same article, is replaced."""
    roles.require_editor(by, _("Only editors can change the trending rails."))
    config = settings.TRENDING_RAILS.get(rail)
    errors: dict[str, list[str]] = {}
    if config is None:
        errors["rail"] = [_("Unknown rail; use one of %(rails)s.") % {"rails": ", ".join(settings.TRENDING_RAILS)}]
    elif not 1 <= position <= config["size"]:
        errors["position"] = [_("Give a position from 1 to %(most)d.") % {"most": config["size"]}]
    if until is not None and until <= timezone.now():
        errors["until"] = [_("The end time must be in the future.")]
    if not article.is_published:
        errors["article"] = [_("Only a published article can be pinned.")]
    if errors:
        raise ValidationError(errors)
    Pin.objects.filter(rail=rail, section=section, position=position).delete()
    Pin.objects.filter(rail=rail, section=section, article=article).delete()
    pin = Pin.objects.create(article=article, rail=rail, section=section, position=position, until=until, created_by=by)
    _refresh_soon()
    return pin


@transaction.atomic
def pin_delete(*, pin: Pin, by) -> None:
    roles.require_editor(by, _("Only editors can change the trending rails."))
    pin.delete()
    _refresh_soon()


@transaction.atomic
def exclusion_create(*, article: Article, by, until=None, reason: str = "") -> Exclusion:
    roles.require_editor(by, _("Only editors can change the trending rails."))
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": [_("The end time must be in the future.")]})

    exclusion = Exclusion.objects.create(article=article, until=until, reason=reason.strip()[:200], created_by=by)
    # The rail drops it at once (trending.retraction), the refresh fills its place.
    outbox.record(
        type="exclusion.created", subject=f"exclusion:{article.pk}", keys=["trending"], data={"id": article.pk}
    )
    _refresh_soon()
    return exclusion


@transaction.atomic
def exclusion_delete(*, exclusion: Exclusion, by) -> None:
    roles.require_editor(by, _("Only editors can change the trending rails."))
    exclusion.delete()
    _refresh_soon()
