"""Reading published documents: one article's detail, the stored list items of a page of
articles (lists and search results), and the newest details (feeds). Each is one indexed query
for stored, valid bytes; a document that is missing or expired is rendered once, on the spot.
Reads splice the view count into the stored bytes, so counting views never renders anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import orjson
from django.utils import timezone

from core.sql import aware, fetch_all

from ..models import public_sql
from .listing import Filters, public_conditions, tables
from .render import join, render_for_reader


# The hot read, written out once: the ORM would compile the same SQL on every request, which
# costs more than running it. The article's state decides visibility (public_q) to the second.
@cache
def _detail_sql(public: str) -> str:
    t = tables()
    return (
        "SELECT a.view_count, d.detail_head, d.detail_tail, d.keys, d.valid_until"
        f" FROM {t['article']} a LEFT JOIN {t['document']} d ON d.article_id = a.id WHERE a.id = %s AND {public}"
    )


def detail_read(*, article_id: int) -> tuple[bytes, list[str], float] | None:
    """A public article's detail: (JSON bytes, surrogate keys, valid until), or None.

    One indexed query for a stored, valid document; a missing or expired one is rendered
    once on the spot.
    """
    now = timezone.now()
    public, params = public_sql("a", now)
    rows = fetch_all(_detail_sql(public), [article_id, *params])
    if not rows:
        return None
    view_count, head, tail, keys, valid_until = rows[0]
    valid_until = aware(valid_until)
    if head is None or valid_until is None or valid_until <= now:
        document = render_for_reader(article_id, now)
        if document is None:
            return None
        head, tail, keys, valid_until = document.detail_head, document.detail_tail, document.keys, document.valid_until
    body = join(bytes(head), view_count, bytes(tail))
    return body, keys.split(), valid_until.timestamp()


def items(rows: list[dict]) -> tuple[list[bytes], list[str], float | None]:
    """The stored list items of a page, with view counts; the surrogate keys they show; and
    when the first of them expires. A missing or expired item is rendered once, on the spot."""
    now = timezone.now()
    shown: list[bytes] = []
    keys: list[str] = []
    horizon = None
    for row in rows:
        head, tail, until, item_keys = row["document"]
        until = aware(until)
        if head is None or until is None or until <= now:
            document = render_for_reader(row["id"], now)
            if document is None:
                continue  # unpublished between the query and now
            head, tail, until = document.item_head, document.item_tail, document.valid_until
            item_keys = document.item_keys
        shown.append(join(bytes(head), row["view_count"], bytes(tail)))
        keys += item_keys.split()
        horizon = until.timestamp() if horizon is None else min(horizon, until.timestamp())
    return shown, keys, horizon


def stored_items(article_ids: list[int], *, texts: bool = False) -> dict[int, dict]:
    """The rows `items()` reads for these articles (any order), by id; with `texts`, also the
    title and summary each row's `texts` (what search highlights are cut from)."""
    if not article_ids:
        return {}
    t = tables()
    marks = ", ".join(["%s"] * len(article_ids))
    rows = fetch_all(
        "SELECT a.id, a.published_at, a.view_count, d.item_head, d.item_tail, d.valid_until, d.item_keys,"
        " a.title, a.summary, a.derived_summary"
        f" FROM {t['article']} a LEFT JOIN {t['document']} d ON d.article_id = a.id WHERE a.id IN ({marks})",
        article_ids,
    )
    found = {}
    for r in rows:
        row = {"id": r[0], "published_at": r[1], "view_count": r[2], "document": r[3:7]}
        if texts:
            row["texts"] = (r[7], r[8] or r[9])
        found[r[0]] = row
    return found


@dataclass
class Entry:
    document: dict  # the public detail, as the API gives it
    keys: list[str]  # the surrogate keys it shows


def newest(filters: Filters, *, limit: int, now: datetime | None = None) -> list[Entry]:
    """The newest public articles matching `filters`, with their stored details: one query, and a
    document rendered on the spot only where it is missing or expired."""
    now = now or timezone.now()
    t = tables()
    where, params = public_conditions(filters, now)
    rows = fetch_all(
        "SELECT a.id, a.view_count, d.detail_head, d.detail_tail, d.keys, d.valid_until"
        f" FROM {t['article']} a LEFT JOIN {t['document']} d ON d.article_id = a.id"
        f" WHERE {' AND '.join(where)} ORDER BY a.published_at DESC, a.id DESC LIMIT %s",
        [*params, limit],
    )
    found = []
    for article_id, view_count, head, tail, keys, until in rows:
        until = aware(until)
        if head is None or until is None or until <= now:
            read = detail_read(article_id=article_id)
            if read is None:
                continue  # unpublished since the query
            body, shown, _ = read
        else:
            body, shown = join(bytes(head), view_count, bytes(tail)), keys.split()
        found.append(Entry(orjson.loads(body), shown))
    return found
