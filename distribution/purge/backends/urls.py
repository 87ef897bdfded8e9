"""Purging by URL: which URLs show a change, and a plain `PURGE` of each (`Urls`).

A CDN that purges only by URL is told every URL whose answer a change reaches. For an article:
its detail; the site's list and the first list pages filtered by its section, each tag and each
author; the feeds of the site, its section, tags and authors in every format; the sitemap index,
the news sitemap and the article sitemap pages from its own to the last (pages are cut by
position, so a retraction moves every later one); the rails when it leaves them. Where it is
listed comes from the article row, and from the event for one deleted meanwhile
(`listed_in`, recorded with every public article event). Answers no list can name (search,
suggestions, other query strings, list pages past the first) carry a `Surrogate-Control` of at
most `PURGE_UNLISTED_MAX_AGE` seconds under these backends.

Directories (`dir:/feeds/`) stand for everything under them: `all` (every answer) becomes the
API's, the feeds' and the sitemaps' folders, for backends that refresh folders.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings

from ... import outbound
from .base import PurgeBackend
from .tags import _checked

FORMATS = ("rss", "atom", "json")
LIST = "/api/v1/articles/"
RAIL = "/api/v1/trending/"
SITEMAPS = ["/sitemap.xml", "/sitemaps/news.xml"]
EVERYTHING = ["dir:/api/v1/", "dir:/feeds/", "dir:/sitemaps/", "/sitemap.xml"]
# The filters whose first list page is named (one at a time, nothing else in the query).
NAMED_FILTERS = {"section", "tag", "author"}


def _feeds(scope: str = "") -> list[str]:
    return [f"/feeds/{fmt}/{scope}" for fmt in FORMATS]


def _rails() -> list[str]:
    return [RAIL, *(f"{RAIL}?rail={quote(rail)}" for rail in settings.TRENDING_RAILS)]


def _listed_in(article_id: int, event) -> dict[str, set[str]]:
    """Where the article is listed now (its row), and where the event says it was."""
    from articles.models import Article

    found: dict[str, set[str]] = {"section": set(), "tag": set(), "author": set()}
    article = Article.objects.filter(pk=article_id).select_related("section").first()
    if article is not None:
        if article.section_id:
            found["section"].add(article.section.slug)
        found["tag"].update(article.tags.values_list("slug", flat=True))
        found["author"].update(article.bylines.values_list("author__slug", flat=True))
    data = getattr(event, "data", None) or {}
    if int(data.get("id") or 0) == article_id:
        for kind, slugs in (data.get("listed_in") or {}).items():
            if kind in found:
                found[kind].update(s for s in slugs if s)
    return found


def _sitemap_pages(article_id: int) -> list[str]:
    """The article sitemap page holding the article (pages are id ranges: no other one moves)."""
    from articles.documents import sitemap_page_of

    return [f"/sitemaps/articles-{sitemap_page_of(article_id, size=settings.SITEMAP_PAGE_SIZE)}.xml"]


def _article(article_id: int, event) -> list[str]:
    paths = [f"{LIST}{article_id}/", LIST, *_feeds(), *SITEMAPS, *_sitemap_pages(article_id)]
    for kind, slugs in _listed_in(article_id, event).items():
        for slug in sorted(slugs):
            paths += [f"{LIST}?{kind}={quote(slug)}", *_feeds(f"{kind}/{quote(slug)}/")]
    return paths


def paths_for(event) -> list[str]:
    """Every URL (path and query) whose answer the event's keys reach, each once."""
    paths: list[str] = []
    for key in sorted(set(event.keys)):
        kind, _, ident = key.partition("-")
        if kind == "article" and ident.isdigit():
            paths += _article(int(ident), event)
        elif key == "list":
            paths += [LIST, *_feeds()]
        elif key == "feed":
            paths += _feeds()
        elif key == "sitemap":
            paths += SITEMAPS
        elif key == "trending":
            paths += _rails()
        elif key == "all":
            paths += EVERYTHING
        # `search` and the keys of what answers embed (author-7, image-3) name no URL a list
        # could hold: those answers are kept briefly (PURGE_UNLISTED_MAX_AGE).
    return list(dict.fromkeys(paths))


def named(path: str, query: dict[str, list[str]]) -> bool:
    """Whether `paths_for` can name this answer's URL, so the CDN may keep it long."""
    if path.startswith("/api/v1/search/"):
        return False
    if not query:
        return True
    if path == RAIL:
        return set(query) == {"rail"} and len(query["rail"]) == 1
    if path == LIST:
        return len(query) == 1 and set(query) <= NAMED_FILTERS and len(next(iter(query.values()))) == 1
    return False


class UrlPurge(PurgeBackend):
    """A backend told URLs rather than keys: `purge()` gets paths (and `dir:` folders)."""

    def expand(self, event) -> list[str]:
        return paths_for(event)

    def unlisted_max_age(self, path: str, query: dict[str, list[str]]) -> int | None:
        return None if named(path, query) else settings.PURGE_UNLISTED_MAX_AGE

    @staticmethod
    def split(items: list[str]) -> tuple[list[str], list[str]]:
        """(paths, folders) of what was queued."""
        folders = [item.removeprefix("dir:") for item in items if item.startswith("dir:")]
        return [item for item in items if not item.startswith("dir:")], folders


class Urls(UrlPurge):
    """A plain `PURGE` of each URL to each cache in `PURGE_VARNISH_URLS` (a folder: its path,
    which caches that purge by prefix take as the folder)."""

    batch_size = 50

    def purge(self, keys: list[str]) -> None:
        paths, folders = self.split(keys)
        for base in settings.PURGE_VARNISH_URLS:
            for path in [*paths, *folders]:
                result = outbound.send("PURGE", base.rstrip("/") + path, b"", {}, allow_private=True)
                _checked(result, f"PURGE {path}")
