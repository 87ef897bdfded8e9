"""Published documents: the one way anything reads or renders a public article.

Each public (or scheduled) article has a document: its detail and list item rendered once,
with the public representation, whenever it or what it embeds changes, and stored as bytes.
Every public read goes through here: the API's detail and list, search results, feeds and
sitemaps. Other apps never read the article tables by SQL.

- `render`: render and store one article's document (`document_render`), or a batch's at once
  (`documents_render`).
- `stream`: the change stream's consumer; stale marking.
- `rebuild`: `documents_rebuild`, in bulk (several processes, resumable).
- `refresh`: documents rendered anew by the workers when due or marked (`documents_refresh`,
  `mark_due`), never by a reader.
- `reads`: `detail_read`, `stored_items` + `items` for lists and search results, `newest`.
- `listing`: the public list's filters, conditions and keyset pages; `next_scheduled_at`;
  `public_rows`, what readers may see for another app's query over article ids (search).
- `sitemaps`: the published set by address: sitemap pages by id range, counted by the change stream.
- `representation`: the public serializers (the contract) and the plain functions documents are
  rendered with (held to the serializers by a test).
"""

from .listing import (
    Filters,
    PublicList,
    PublicRows,
    next_scheduled_at,
    public_conditions,
    public_rows,
    unknown_slug,
)
from .reads import Entry, detail_read, items, newest, stored_items
from .rebuild import Interrupted, default_processes, documents_rebuild
from .refresh import documents_refresh, mark_due
from .render import document_render, documents_render, join
from .sitemaps import (
    NEWS_HOURS,
    news,
    sitemap_page,
    sitemap_page_of,
    sitemap_pages,
    sitemap_refresh,
    sitemap_sweep,
)
from .stream import documents_consumer, documents_drop_related, documents_mark_stale

__all__ = [
    "NEWS_HOURS",
    "Entry",
    "Filters",
    "Interrupted",
    "PublicList",
    "PublicRows",
    "default_processes",
    "detail_read",
    "document_render",
    "documents_render",
    "documents_consumer",
    "documents_drop_related",
    "documents_mark_stale",
    "documents_rebuild",
    "documents_refresh",
    "mark_due",
    "items",
    "join",
    "news",
    "newest",
    "next_scheduled_at",
    "public_conditions",
    "public_rows",
    "sitemap_page",
    "sitemap_page_of",
    "sitemap_pages",
    "sitemap_refresh",
    "sitemap_sweep",
    "stored_items",
    "unknown_slug",
]
