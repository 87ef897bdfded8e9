"""RSS 2.0, Atom and JSON Feed 1.1 of the newest public articles, from their stored documents.

RSS and Atom are written by Django's syndication generator (`django.utils.feedgenerator`, the
engine of `django.contrib.syndication`), extended for what news readers and aggregators look
for: every author with their outlet (`dc:creator` in RSS, one `author` each in Atom), the lead
photo with its caption and credit (Media RSS), and the full text when `FEED_FULL_TEXT` is on.
The syndication view class is not used because it builds its own response: ours go through the
shared answer cache with their surrogate keys, ETag and 304, as the API's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import StringIO

import orjson
from django.conf import settings
from django.utils import feedgenerator, timezone
from django.utils.dateparse import parse_datetime

from articles.documents import Entry
from articles.text import text_to_html

from .selectors import affiliations, article_url

MEDIA = "http://search.yahoo.com/mrss/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
LANGUAGE = "zh-cn"

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


@dataclass
class Scope:
    """Which articles a feed holds: the whole site, or one section, author or tag."""

    kind: str = ""  # "", "section", "author" or "tag"
    slug: str = ""
    name: str = ""  # the section's, author's or tag's name


def _when(value: str | None) -> datetime | None:
    moment = parse_datetime(value) if value else None
    return timezone.localtime(moment) if moment is not None else None


def _image(lead: dict | None) -> dict | None:
    """The lead photo's largest JPEG rendition (what every reader can show), with its credit."""
    if not lead:
        return None
    jpegs = [r for r in lead.get("renditions", []) if r.get("format") == "jpeg" and r.get("name", "").endswith("w")]
    chosen = max(jpegs, key=lambda r: r.get("width", 0), default=None)
    if chosen is None:
        return None
    credit = lead.get("credit") or {}
    return {
        "url": chosen["url"],
        "width": chosen.get("width"),
        "height": chosen.get("height"),
        "caption": lead.get("caption") or lead.get("alt") or "",
        "credit": credit.get("line") or credit.get("creator") or "",
    }


def _body_html(document: dict) -> str:
    """The full text as HTML: paragraphs are sanitised already; the rest is escaped here."""
    parts = []
    for block in document.get("body", []):
        kind = block.get("type")
        if kind == "paragraph":
            parts.append(f"<p>{block.get('html', '')}</p>")
        elif kind == "heading":
            parts.append(f"<h2>{text_to_html(block.get('text', ''))}</h2>")
        elif kind == "quote":
            cite = block.get("attribution")
            tail = f"<cite>{text_to_html(cite)}</cite>" if cite else ""
            parts.append(f"<blockquote><p>{text_to_html(block.get('text', ''))}</p>{tail}</blockquote>")
        elif kind == "image" and block.get("image"):
            image = _image(block["image"])
            if image:
                caption = " ".join(t for t in (block.get("caption") or image["caption"], image["credit"]) if t)
                src, alt = text_to_html(image["url"]), text_to_html(block["image"].get("alt", ""))
                parts.append(
                    f'<figure><img src="{src}" alt="{alt}"><figcaption>{text_to_html(caption)}</figcaption></figure>'
                )
    return "\n".join(parts)


def _item(document: dict, outlets: dict[int, str]) -> dict:
    """What every format prints of one article."""
    bylines = document.get("bylines") or [{"author": a, "role": ""} for a in document.get("authors", [])]
    authors = []
    for byline in bylines:
        author = byline.get("author") or {}
        outlet = outlets.get(author.get("id"))
        authors.append({"name": author.get("name", ""), "outlet": outlet or "", "role": byline.get("role", "")})
    categories = [document["section"]["name"]] if document.get("section") else []
    categories += [t["name"] for t in document.get("tags", [])]
    return {
        "id": document["id"],
        "title": document["title"],
        "url": article_url(document["id"], document["slug"]),
        "summary": document.get("summary") or "",
        "authors": authors,
        "categories": categories,
        "published": _when(document.get("published_at")),
        "updated": _when(document.get("updated_at")) or _when(document.get("published_at")),
        "image": _image(document.get("lead_image")),
        "html": _body_html(document) if settings.FEED_FULL_TEXT else "",
        "source": (document.get("source") or {}).get("name", ""),
    }


def _signed(author: dict) -> str:
    return f"{author['name']}（{author['outlet']}）" if author["outlet"] else author["name"]


class _Rss(feedgenerator.Rss201rev2Feed):
    def rss_attributes(self):
        attrs = super().rss_attributes()
        attrs.update({"xmlns:dc": "http://purl.org/dc/elements/1.1/", "xmlns:media": MEDIA, "xmlns:content": CONTENT})
        return attrs

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("hub"):
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": self.feed["hub"]})

    def add_item_elements(self, handler, item):
        extra = item["extra"]
        item["author_name"] = None  # every author is written below
        super().add_item_elements(handler, item)
        for author in extra["authors"]:
            handler.addQuickElement("dc:creator", _signed(author))
        _media(handler, extra["image"])
        if extra["html"]:
            handler.addQuickElement("content:encoded", extra["html"])


class _Atom(feedgenerator.Atom1Feed):
    def root_attributes(self):
        attrs = super().root_attributes()
        attrs["xmlns:media"] = MEDIA
        return attrs

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("hub"):
            handler.addQuickElement("link", None, {"rel": "hub", "href": self.feed["hub"]})

    def add_item_elements(self, handler, item):
        extra = item["extra"]
        item["author_name"] = None
        super().add_item_elements(handler, item)
        for author in extra["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", _signed(author))
            handler.endElement("author")
        _media(handler, extra["image"])
        if extra["html"]:
            handler.addQuickElement("content", extra["html"], {"type": "html"})


def _media(handler, image: dict | None) -> None:
    if not image:
        return
    attrs = {"url": image["url"], "medium": "image", "type": "image/jpeg"}
    if image["width"]:
        attrs.update({"width": str(image["width"]), "height": str(image["height"])})
    handler.startElement("media:content", attrs)
    if image["caption"]:
        handler.addQuickElement("media:description", image["caption"])
    if image["credit"]:
        handler.addQuickElement("media:credit", image["credit"])
    handler.endElement("media:content")


def _titles(scope: Scope) -> tuple[str, str]:
    site = settings.SITE_NAME
    if not scope.kind:
        return site, settings.SITE_DESCRIPTION
    label = {"section": "栏目", "author": "作者", "tag": "标签"}[scope.kind]
    return f"{site} · {scope.name}", f"{site}{label}「{scope.name}」的最新文章"


def render(fmt: str, entries: list[Entry], *, scope: Scope, self_url: str) -> bytes:
    """The feed's bytes in `fmt` (`rss`, `atom` or `json`)."""
    outlets = affiliations(
        sorted(
            {
                b["author"]["id"]
                for e in entries
                for b in (e.document.get("bylines") or [])
                if b.get("author", {}).get("id") is not None
            }
        )
    )
    items = [_item(e.document, outlets) for e in entries]
    title, description = _titles(scope)
    hub = settings.WEBSUB_HUB_URL
    updated = max((i["updated"] for i in items if i["updated"]), default=None) or timezone.localtime()
    if fmt == "json":
        return _json(items, title=title, description=description, self_url=self_url, hub=hub)
    generator = (_Rss if fmt == "rss" else _Atom)(
        title=title,
        link=settings.FRONTEND_URL,
        description=description,
        language=LANGUAGE,
        feed_url=self_url,
        feed_guid=self_url,
        ttl="5" if fmt == "rss" else None,
        hub=hub,
    )
    for i in items:
        enclosures = []
        if i["image"]:
            # RSS requires a length; the renditions' sizes are not stored, and 0 is the usual "unknown".
            enclosures.append(feedgenerator.Enclosure(i["image"]["url"], "0", "image/jpeg"))
        generator.add_item(
            title=i["title"],
            link=i["url"],
            # RSS `description` and Atom `summary type="html"` are HTML: the plain summary escaped.
            description=text_to_html(i["summary"]),
            unique_id=i["url"],
            unique_id_is_permalink=True,
            pubdate=i["published"],
            updateddate=i["updated"],
            categories=i["categories"],
            enclosures=enclosures,
            extra=i,
        )
    generator.latest_post_date = lambda: updated  # the newest change, not only the newest date
    out = StringIO()
    generator.write(out, "utf-8")
    return out.getvalue().encode()


def _json(items: list[dict], *, title: str, description: str, self_url: str, hub: str) -> bytes:
    """JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": settings.FRONTEND_URL,
        "feed_url": self_url,
        "description": description,
        "language": LANGUAGE,
        "items": [],
    }
    if hub:
        feed["hubs"] = [{"type": "WebSub", "url": hub}]
    for i in items:
        item = {
            "id": i["url"],
            "url": i["url"],
            "title": i["title"],
            "summary": i["summary"],
            "date_published": i["published"].isoformat() if i["published"] else None,
            "date_modified": i["updated"].isoformat() if i["updated"] else None,
            "authors": [{"name": _signed(a)} for a in i["authors"]],
            "tags": i["categories"],
            "language": LANGUAGE,
        }
        if i["html"]:
            item["content_html"] = i["html"]
        else:
            item["content_text"] = i["summary"]
        if i["image"]:
            item["image"] = i["image"]["url"]
            item["attachments"] = [{"url": i["image"]["url"], "mime_type": "image/jpeg", "title": i["image"]["credit"]}]
            item["_portal"] = {"image_caption": i["image"]["caption"], "image_credit": i["image"]["credit"]}
        feed["items"].append({k: v for k, v in item.items() if v is not None})
    return orjson.dumps(feed)
