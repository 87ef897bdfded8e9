"""Reads of search: ranked public results with highlights, suggestions, and the matcher other
lists use for their `q`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import orjson
from django.utils import timezone

from articles import documents
from articles import selectors as article_selectors
from articles.models import Article

from . import highlight, query, text
from .backends import get_backend

SUGGESTIONS = 10


@dataclass
class Page:
    items: list[bytes]  # list items with their highlight, JSON
    keys: list[str]  # surrogate keys they show
    valid_until: float | None
    more: bool


def _public(filters: documents.Filters, now: datetime) -> documents.PublicRows:
    return documents.public_rows(replace(filters, q="", slug=""), now)


def highlights(rows: list[dict], needles: list[str]) -> dict[int, dict]:
    """`{"title", "summary", "body"}` per article: matches in `<mark>`, text escaped, the body
    an excerpt of at most 120 characters around its first match."""
    bodies = article_selectors.plain_bodies([row["id"] for row in rows])
    return {
        row["id"]: {
            "title": highlight.field(row["texts"][0], needles),
            "summary": highlight.field(row["texts"][1], needles),
            "body": highlight.excerpt(bodies.get(row["id"], ""), needles),
        }
        for row in rows
    }


def search_page(*, raw: str, filters: documents.Filters, offset: int, limit: int, now: datetime | None = None) -> Page:
    """One page of public results, best first (raises QueryError for a query with nothing to find)."""
    parsed = query.parse(raw)
    now = now or timezone.now()
    public = _public(filters, now)
    narrowed = any((filters.section, filters.tag, filters.author, filters.published_after, filters.published_before))
    hits = get_backend().search(parsed, public=public, offset=offset, limit=limit + 1, narrowed=narrowed)
    more = len(hits) > limit
    hits = hits[:limit]
    ids = [h.article_id for h in hits]
    stored = documents.stored_items(ids, texts=True)
    rows = [stored[i] for i in ids if i in stored]
    items, keys, until = documents.items(rows)
    marks = highlights(rows, parsed.needles)
    shown = []
    for row, item in zip(rows, items, strict=False):
        data = orjson.loads(item)
        data["highlight"] = marks.get(row["id"], {"title": "", "summary": "", "body": ""})
        shown.append(orjson.dumps(data))
    scheduled = documents.next_scheduled_at(now)
    horizon = min((t for t in (until, scheduled.timestamp() if scheduled else None) if t is not None), default=None)
    return Page(shown, keys, horizon, more)


def suggest(*, raw: str, now: datetime | None = None) -> list[dict]:
    """Up to ten public titles completing what is being typed: Chinese characters, Latin
    words, or pinyin (`pujing`, `pj` and `puj` find 普京)."""
    parsed = query.parse(raw)
    normalized = text.normalize(raw)
    letters = "".join(normalized.split())
    pinyin = letters if letters.isascii() and letters.isalpha() else ""
    public = _public(documents.Filters(), now or timezone.now())
    ids = get_backend().suggest(parsed, pinyin=pinyin, public=public, limit=SUGGESTIONS)
    found = {a.pk: a for a in Article.objects.filter(pk__in=ids).only("id", "title", "slug")}
    return [{"id": i, "title": found[i].title, "slug": found[i].slug} for i in ids if i in found]


class Matcher:
    """`core.search`'s matcher: any status, for the article list's, editors' and admin's `q`."""

    def matching(self, raw: str) -> tuple[str, list]:
        return get_backend().match(query.parse(raw))

    def newest(self, raw: str, limit: int) -> list[int]:
        return get_backend().newest(query.parse(raw), limit)


def index_size() -> int:
    return get_backend().size()
