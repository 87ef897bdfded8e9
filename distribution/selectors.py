"""Reads for feeds and sitemaps: the stored documents of the newest public articles, and the
public articles' addresses and last changes, a page of a sitemap at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection
from django.utils import timezone

from articles import listing
from articles.documents import _aware, detail_read, join
from articles.models import Author
from core.sql import fetch_all


@dataclass
class Entry:
    document: dict  # the public detail, as the API gives it
    keys: list[str]  # the surrogate keys it shows


def article_url(article_id: int, slug: str) -> str:
    """The article's page on the frontend (`FRONTEND_ARTICLE_URL`, e.g. `https://www.example.cn/a/{id}/{slug}`)."""
    return settings.FRONTEND_ARTICLE_URL.format(id=article_id, slug=slug)


def newest(filters: listing.Filters, *, limit: int, now: datetime | None = None) -> list[Entry]:
    """The newest public articles matching `filters`, with their stored details: one query, and a
    document rendered on the spot only where it is missing or expired."""
    now = now or timezone.now()
    t = listing.tables()
    where, params = listing.public_conditions(filters, now)
    rows = fetch_all(
        "SELECT a.id, a.view_count, d.detail_head, d.detail_tail, d.keys, d.valid_until"
        f" FROM {t['article']} a LEFT JOIN {t['document']} d ON d.article_id = a.id"
        f" WHERE {' AND '.join(where)} ORDER BY a.published_at DESC, a.id DESC LIMIT %s",
        [*params, limit],
    )
    found = []
    for article_id, view_count, head, tail, keys, until in rows:
        until = _aware(until)
        if head is None or until is None or until <= now:
            read = detail_read(article_id=article_id)
            if read is None:
                continue  # unpublished since the query
            body, shown, _ = read
        else:
            body, shown = join(bytes(head), view_count, bytes(tail)), keys.split()
        found.append(Entry(orjson.loads(body), shown))
    return found


def affiliations(author_ids: list[int]) -> dict[int, str]:
    """Each author's outlet (the name printed after the byline), where one is set."""
    rows = Author.objects.filter(pk__in=author_ids, affiliation__isnull=False).values_list("pk", "affiliation__name")
    return dict(rows)


def next_change(now: datetime) -> datetime | None:
    """The next moment a feed's or sitemap's content changes with no edit: a schedule's second."""
    return listing.next_scheduled_at(now)


# --- sitemaps -----------------------------------------------------------------------------------


def _public(now: datetime) -> tuple[str, list]:
    where, params = listing.public_conditions(listing.Filters(), now)
    return " AND ".join(where), params


def sitemap_pages(*, size: int, now: datetime | None = None) -> list[tuple[int, datetime | None]]:
    """The article sitemaps: (page number from 1, its latest change), pages of `size` articles
    in id order (an article keeps its page; new ones fill the last)."""
    now = now or timezone.now()
    where, params = _public(now)
    t = listing.tables()
    rows = fetch_all(
        "SELECT page, MAX(updated_at) FROM ("
        f" SELECT a.updated_at, (ROW_NUMBER() OVER (ORDER BY a.id) - 1) / %s AS page FROM {t['article']} a"
        f" WHERE {where}) numbered GROUP BY page ORDER BY page",
        [size, *params],
    )
    return [(int(page) + 1, _aware(latest)) for page, latest in rows]


def public_count_before(article_id: int | None, *, now: datetime | None = None) -> int:
    """How many public articles come before `article_id` in id order (all of them for None):
    its place in the article sitemaps, which are cut by position."""
    now = now or timezone.now()
    where, params = _public(now)
    t = listing.tables()
    sql = f"SELECT COUNT(*) FROM {t['article']} a WHERE {where}"
    if article_id is not None:
        sql, params = sql + " AND a.id < %s", [*params, article_id]
    return int(fetch_all(sql, params)[0][0])


def sitemap_page(*, number: int, size: int, now: datetime | None = None) -> list[tuple[int, str, datetime]]:
    """(id, slug, last change) of the public articles on page `number` of the article sitemaps."""
    now = now or timezone.now()
    where, params = _public(now)
    t = listing.tables()
    rows = fetch_all(
        f"SELECT a.id, a.slug, a.updated_at FROM {t['article']} a WHERE {where} ORDER BY a.id LIMIT %s OFFSET %s",
        [*params, size, (number - 1) * size],
    )
    return [(r[0], r[1], _aware(r[2])) for r in rows]


NEWS_HOURS = 48


def news(*, now: datetime | None = None) -> list[tuple[int, str, str, datetime]]:
    """(id, slug, title, published at) of the public articles published in the last 48 hours,
    newest first: what Google News reads."""
    now = now or timezone.now()
    where, params = _public(now)
    t = listing.tables()
    since = connection.ops.adapt_datetimefield_value(now - timedelta(hours=NEWS_HOURS))
    rows = fetch_all(
        f"SELECT a.id, a.slug, a.title, a.published_at FROM {t['article']} a"
        f" WHERE {where} AND a.published_at >= %s ORDER BY a.published_at DESC, a.id DESC",
        [*params, since],
    )
    return [(r[0], r[1], r[2], _aware(r[3])) for r in rows]
