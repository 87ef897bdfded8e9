"""The published set by address, for sitemaps: pages of public articles in id order (an article
keeps its page; new ones fill the last), each page's latest change, and the news sitemap's last
48 hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from core.sql import aware, aware_moment, fetch_all

from .listing import Filters, public_conditions, tables


def _public(now: datetime) -> tuple[str, list]:
    where, params = public_conditions(Filters(), now)
    return " AND ".join(where), params


def sitemap_pages(*, size: int, now: datetime | None = None) -> list[tuple[int, datetime | None]]:
    """The article sitemaps: (page number from 1, its latest change), pages of `size` articles
    in id order (an article keeps its page; new ones fill the last)."""
    now = now or timezone.now()
    where, params = _public(now)
    t = tables()
    rows = fetch_all(
        "SELECT page, MAX(updated_at) FROM ("
        f" SELECT a.updated_at, (ROW_NUMBER() OVER (ORDER BY a.id) - 1) / %s AS page FROM {t['article']} a"
        f" WHERE {where}) numbered GROUP BY page ORDER BY page",
        [size, *params],
    )
    return [(int(page) + 1, aware(latest)) for page, latest in rows]


def public_count_before(article_id: int | None, *, now: datetime | None = None) -> int:
    """How many public articles come before `article_id` in id order (all of them for None):
    its place in the article sitemaps, which are cut by position."""
    now = now or timezone.now()
    where, params = _public(now)
    t = tables()
    sql = f"SELECT COUNT(*) FROM {t['article']} a WHERE {where}"
    if article_id is not None:
        sql, params = sql + " AND a.id < %s", [*params, article_id]
    return int(fetch_all(sql, params)[0][0])


def sitemap_page(*, number: int, size: int, now: datetime | None = None) -> list[tuple[int, str, datetime]]:
    """(id, slug, last change) of the public articles on page `number` of the article sitemaps."""
    now = now or timezone.now()
    where, params = _public(now)
    t = tables()
    rows = fetch_all(
        f"SELECT a.id, a.slug, a.updated_at FROM {t['article']} a WHERE {where} ORDER BY a.id LIMIT %s OFFSET %s",
        [*params, size, (number - 1) * size],
    )
    return [(r[0], r[1], aware_moment(r[2])) for r in rows]


NEWS_HOURS = 48


def news(*, now: datetime | None = None) -> list[tuple[int, str, str, datetime]]:
    """(id, slug, title, published at) of the public articles published in the last 48 hours,
    newest first: what Google News reads."""
    now = now or timezone.now()
    where, params = _public(now)
    t = tables()
    since = connection.ops.adapt_datetimefield_value(now - timedelta(hours=NEWS_HOURS))
    rows = fetch_all(
        f"SELECT a.id, a.slug, a.title, a.published_at FROM {t['article']} a"
        f" WHERE {where} AND a.published_at >= %s ORDER BY a.published_at DESC, a.id DESC",
        [*params, since],
    )
    return [(r[0], r[1], r[2], aware_moment(r[3])) for r in rows]
