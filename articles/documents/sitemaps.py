"""The published set by address, for sitemaps: pages of public articles by id range (an article
keeps its page for good), each page's count and latest change kept by the change stream
(`SitemapPage`), and the news sitemap's last 48 hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core.sql import aware, aware_moment, fetch_all

from ..models import SitemapPage
from .listing import Filters, public_conditions, tables


def _public(now: datetime) -> tuple[str, list]:
    where, params = public_conditions(Filters(), now)
    return " AND ".join(where), params


def sitemap_pages(*, size: int, now: datetime | None = None) -> list[tuple[int, datetime | None]]:
    """The article sitemaps: (page number from 1, its latest change) of each page holding a
    public article, from the stored counts (`SitemapPage`, counted now if this size has none)."""
    if not SitemapPage.objects.filter(size=size).exists():
        sitemap_sweep(size=size, now=now)
    rows = SitemapPage.objects.filter(size=size, count__gt=0).order_by("number").values_list("number", "latest")
    return [(int(number), latest) for number, latest in rows]


def _range(number: int, size: int) -> tuple[int, int]:
    return (number - 1) * size, number * size


def sitemap_page_of(article_id: int, *, size: int) -> int:
    """The number of the article sitemap page an article is on, for good (pages are id ranges)."""
    return article_id // size + 1


def _counts(low: int, high: int, size: int, now: datetime) -> dict[int, tuple[int, datetime | None]]:
    """(count, latest change) of the public articles of each page in ids [low, high), by page."""
    where, params = _public(now)
    t = tables()
    page = f"a.id / {int(size)}"  # written out: PostgreSQL groups by an expression, not by two parameters
    rows = fetch_all(
        f"SELECT {page}, COUNT(*), MAX(a.updated_at) FROM {t['article']} a"
        f" WHERE a.id >= %s AND a.id < %s AND {where} GROUP BY {page}",
        [low, high, *params],
    )
    return {int(page) + 1: (int(count), aware(latest)) for page, count, latest in rows}


def sitemap_refresh(article_ids: list[int], *, size: int, now: datetime | None = None) -> None:
    """Count again the pages holding these articles (an article's event: it came, changed or
    went), each at most `size` rows through the primary key."""
    now = now or timezone.now()
    for number in sorted({sitemap_page_of(i, size=size) for i in article_ids}):
        counted = _counts(*_range(number, size), size, now).get(number, (0, None))
        SitemapPage.objects.update_or_create(
            size=size, number=number, defaults={"count": counted[0], "latest": counted[1]}
        )


def sitemap_sweep(*, size: int, now: datetime | None = None, step: int = 100_000) -> int:
    """Count every page of this size anew (after a bulk import, or a new SITEMAP_PAGE_SIZE), a
    stretch of ids at a time, and forget the pages of other sizes; returns how many hold articles."""
    now = now or timezone.now()
    t = tables()
    highest = fetch_all(f"SELECT MAX(id) FROM {t['article']}", [])[0][0] or 0
    step = max(step - step % size, size)  # whole pages per stretch
    pages: dict[int, tuple[int, datetime | None]] = {}
    for low in range(0, highest + 1, step):
        pages.update(_counts(low, low + step, size, now))
    with transaction.atomic():
        SitemapPage.objects.exclude(size=size).delete()
        SitemapPage.objects.filter(size=size).delete()
        SitemapPage.objects.bulk_create(
            [SitemapPage(size=size, number=n, count=c, latest=latest) for n, (c, latest) in sorted(pages.items())],
            batch_size=1000,
        )
    return len(pages)


def sitemap_page(*, number: int, size: int, now: datetime | None = None) -> list[tuple[int, str, datetime]]:
    """(id, slug, last change) of the public articles on page `number` of the article sitemaps:
    an id range, read through the primary key."""
    now = now or timezone.now()
    where, params = _public(now)
    t = tables()
    low, high = _range(number, size)
    rows = fetch_all(
        f"SELECT a.id, a.slug, a.updated_at FROM {t['article']} a"
        f" WHERE a.id >= %s AND a.id < %s AND {where} ORDER BY a.id",
        [low, high, *params],
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
