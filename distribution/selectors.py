"""Reads for feeds and sitemaps beyond the published documents (`articles.documents` gives
those): the frontend's address of an article, bylines' outlets, and when content next changes."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from articles import documents
from articles.models import Author


def article_url(article_id: int, slug: str) -> str:
    """The article's page on the frontend (`FRONTEND_ARTICLE_URL`, e.g. `https://www.example.cn/a/{id}/{slug}`)."""
    return settings.FRONTEND_ARTICLE_URL.format(id=article_id, slug=slug)


def affiliations(author_ids: list[int]) -> dict[int, str]:
    """Each author's outlet (the name printed after the byline), where one is set."""
    rows = Author.objects.filter(pk__in=author_ids, affiliation__isnull=False).values_list("pk", "affiliation__name")
    return dict(rows)


def next_change(now: datetime) -> datetime | None:
    """The next moment a feed's or sitemap's content changes with no edit: a schedule's second."""
    return documents.next_scheduled_at(now)
