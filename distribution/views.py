"""Feeds and sitemaps over HTTP, through the shared answer cache: surrogate keys, ETag and 304
as the API's answers, and fresh as soon as a change's keys are purged."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from articles import documents
from articles.models import Author, Section, Tag
from core.api_cache import LATER, Answer, cached_response, next_horizon
from core.replicas import replica_reads

from . import feeds, sitemaps
from .services import FEED, SITEMAP

SCOPES = {"section": Section, "author": Author, "tag": Tag}
_NO_SUCH = {
    "section": gettext_lazy("No section has the slug “%(slug)s”."),
    "author": gettext_lazy("No author has the slug “%(slug)s”."),
    "tag": gettext_lazy("No tag has the slug “%(slug)s”."),
}
XML = "application/xml; charset=utf-8"


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path)


@replica_reads
@require_safe
def feed(request, fmt: str, kind: str = "", slug: str = "") -> HttpResponse:
    scope = feeds.Scope()
    if kind:
        found = SCOPES[kind].objects.filter(slug=slug).values_list("name", flat=True).first()
        if found is None:
            return JsonResponse({"detail": str(_NO_SUCH[kind]) % {"slug": slug}}, status=404)
        scope = feeds.Scope(kind, slug, found)

    def build() -> Answer:
        filters = documents.Filters(**({kind: slug} if kind else {}))
        entries = documents.newest(filters, limit=settings.FEED_ITEMS)
        body = feeds.render(fmt, entries, scope=scope, self_url=request.build_absolute_uri(request.path))
        keys = [FEED, "list", *(key for entry in entries for key in entry.keys)]
        return Answer(body, list(dict.fromkeys(keys)), LATER, feeds.CONTENT_TYPES[fmt])

    return cached_response(request, build, keys=[FEED, "list"])


def _news_until(rows) -> float | None:
    """A news sitemap changes when its oldest article turns 48 hours old, or at the next horizon."""
    moments = [m for m in (next_horizon(),) if m is not None]
    if rows:
        moments.append((rows[-1][3] + timedelta(hours=documents.NEWS_HOURS)).timestamp())
    return min(moments) if moments else None


@replica_reads
@require_safe
def sitemap_index(request) -> HttpResponse:
    def build() -> Answer:
        now = timezone.now()
        pages = documents.sitemap_pages(size=settings.SITEMAP_PAGE_SIZE, now=now)
        entries = [(_absolute(request, f"/sitemaps/articles-{n}.xml"), latest) for n, latest in pages]
        rows = documents.news(now=now)
        if len(rows) <= sitemaps.NEWS_PAGE:
            entries.append((_absolute(request, "/sitemaps/news.xml"), rows[0][3] if rows else None))
        else:
            for n in range(1, sitemaps.news_pages(len(rows)) + 1):
                entries.append((_absolute(request, f"/sitemaps/news-{n}.xml"), rows[(n - 1) * sitemaps.NEWS_PAGE][3]))
        return Answer(sitemaps.index(entries), [FEED, SITEMAP], lambda: _news_until(rows), XML)

    return cached_response(request, build, keys=[FEED, SITEMAP])


# Far beyond any archive (a billion pages of SITEMAP_PAGE_SIZE), and within a database integer.
MAX_SITEMAP_PAGE = 10**9


@replica_reads
@require_safe
def sitemap_articles(request, number: int) -> HttpResponse:
    def build():
        if not 1 <= number <= MAX_SITEMAP_PAGE:
            return None
        rows = documents.sitemap_page(number=number, size=settings.SITEMAP_PAGE_SIZE)
        if not rows:
            return None
        return Answer(sitemaps.articles(rows), [FEED, SITEMAP], LATER, XML)

    return _or_404(request, build)


@replica_reads
@require_safe
def news_sitemap(request, number: int | None = None) -> HttpResponse:
    """`/sitemaps/news.xml`: the articles of the last 48 hours, or, when more than 1,000 went
    out, an index of `/sitemaps/news-{n}.xml` files of 1,000 each."""

    def build():
        rows = documents.news()
        pages = sitemaps.news_pages(len(rows))
        if number is None and pages > 1:
            entries = [
                (_absolute(request, f"/sitemaps/news-{n}.xml"), rows[(n - 1) * sitemaps.NEWS_PAGE][3])
                for n in range(1, pages + 1)
            ]
            body = sitemaps.index(entries)
        elif number is not None and not 1 <= number <= pages:
            return None
        else:
            start = ((number or 1) - 1) * sitemaps.NEWS_PAGE
            body = sitemaps.news(rows[start : start + sitemaps.NEWS_PAGE])
        return Answer(body, [FEED, SITEMAP], lambda: _news_until(rows), XML)

    return _or_404(request, build)


class _Missing(Exception):
    """No such page: answered 404 and never cached."""


def _or_404(request, build) -> HttpResponse:
    def answer() -> Answer:
        found = build()
        if found is None:
            raise _Missing
        return found

    try:
        return cached_response(request, answer, keys=[FEED, SITEMAP])
    except _Missing:
        return JsonResponse({"detail": _("No such sitemap page.")}, status=404)
