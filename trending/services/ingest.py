"""Ingesting view events: crawlers and bots out, readers counted once a window, a cap per address."""

import hashlib
import hmac
import logging
import time
from functools import lru_cache
from typing import Any

import crawleruseragents
from django.conf import settings
from prometheus_client import Counter

from core.net import address_in, limit_key

from ..stores import Event, Recorded, get_store

logger = logging.getLogger(__name__)

EVENTS = Counter("portal_trending_events_total", "Reader events sent, by outcome", ["outcome"])


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
        sent_agent = raw.get("user_agent")
        agent: str = sent_agent if isinstance(sent_agent, str) else user_agent
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
