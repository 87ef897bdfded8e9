"""Articles and the people and places around them: outlets, authors, sections, tags.

The models by what they are about: `taxonomy` (outlets, authors, photographers, sections, tags),
`article` (the article, its bylines, blocks, picks, corrections and moves), `history`
(revisions, who has an article open) and `publishing` (stored documents, preview links).
"""

from .article import (
    PUBLIC_STATUSES,
    Article,
    Block,
    Byline,
    Correction,
    RelatedPick,
    StatusChange,
    next_scheduled_sql,
    public_articles,
    public_at,
    public_sql,
)
from .history import EditSession, Revision
from .publishing import Document, DocumentLink, PreviewLink, SitemapPage
from .taxonomy import Author, Outlet, Photographer, Section, Tag

__all__ = [
    "PUBLIC_STATUSES",
    "Article",
    "Author",
    "Block",
    "Byline",
    "Correction",
    "Document",
    "DocumentLink",
    "EditSession",
    "Outlet",
    "Photographer",
    "PreviewLink",
    "RelatedPick",
    "SitemapPage",
    "Revision",
    "Section",
    "StatusChange",
    "Tag",
    "next_scheduled_sql",
    "public_articles",
    "public_at",
    "public_sql",
]
