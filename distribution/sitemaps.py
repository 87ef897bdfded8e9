"""Sitemaps: an index, article sitemaps of `SITEMAP_PAGE_SIZE` URLs, and the Google News sitemap.

Written with Django's `SimplerXMLGenerator` rather than `django.contrib.sitemaps`: its pages
are template-rendered from model instances and slice by offset, and it has no News extension;
here a page is one query for three columns, and the News sitemap is an index of files of at most
1,000 URLs when more than that went out in 48 hours.
"""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator

from . import selectors

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_PAGE = 1000  # Google's limit of URLs in one news sitemap


def _w3c(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _document(write) -> bytes:
    out = StringIO()
    handler = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
    handler.startDocument()
    write(handler)
    handler.endDocument()
    return out.getvalue().encode()


def index(entries: list[tuple[str, datetime | None]]) -> bytes:
    """A sitemap index of (absolute URL, latest change)."""

    def write(h):
        h.startElement("sitemapindex", {"xmlns": SITEMAP})
        for loc, latest in entries:
            h.startElement("sitemap", {})
            h.addQuickElement("loc", loc)
            if latest is not None:
                h.addQuickElement("lastmod", _w3c(latest))
            h.endElement("sitemap")
        h.endElement("sitemapindex")

    return _document(write)


def articles(rows: list[tuple[int, str, datetime]]) -> bytes:
    """An article sitemap page, written out directly: a page is thousands of URLs, and the XML
    generator's calls for each element were most of its time. The same bytes as the generator
    writes (the declaration, `&`, `<` and `>` escaped in text)."""
    zone = timezone.get_current_timezone()
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n', f'<urlset xmlns="{SITEMAP}">']
    for article_id, slug, updated in rows:
        loc = escape(selectors.article_url(article_id, slug))
        if updated is None:
            parts.append(f"<url><loc>{loc}</loc></url>")
        else:
            lastmod = updated.astimezone(zone).isoformat(timespec="seconds")
            parts.append(f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>")
    parts.append("</urlset>")
    return "".join(parts).encode()


def news(rows: list[tuple[int, str, str, datetime]]) -> bytes:
    """A Google News sitemap of at most 1,000 articles."""

    def write(h):
        h.startElement("urlset", {"xmlns": SITEMAP, "xmlns:news": NEWS})
        for article_id, slug, title, published in rows:
            h.startElement("url", {})
            h.addQuickElement("loc", selectors.article_url(article_id, slug))
            h.startElement("news:news", {})
            h.startElement("news:publication", {})
            h.addQuickElement("news:name", settings.NEWS_PUBLICATION_NAME)
            h.addQuickElement("news:language", "zh-cn")
            h.endElement("news:publication")
            h.addQuickElement("news:publication_date", _w3c(published))
            h.addQuickElement("news:title", title)
            h.endElement("news:news")
            h.endElement("url")
        h.endElement("urlset")

    return _document(write)


def news_pages(count: int) -> int:
    return max(1, -(-count // NEWS_PAGE))
