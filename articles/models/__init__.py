"""Articles and the people and places around them: outlets, authors, sections, tags.

The models by what they are about: `taxonomy` (outlets, authors, photographers, sections, tags),
`article` (the article, its bylines, blocks, picks, corrections and moves), `history`
(revisions, who has an article open) and `publishing` (stored documents, preview links).
"""

from .article import Article, Block, Byline, Correction, RelatedPick, StatusChange, public_articles
from .history import EditSession, Revision
from .publishing import Document, PreviewLink
from .taxonomy import Author, Outlet, Photographer, Section, Tag

__all__ = [
    "Article",
    "Author",
    "Block",
    "Byline",
    "Correction",
    "Document",
    "EditSession",
    "Outlet",
    "Photographer",
    "PreviewLink",
    "RelatedPick",
    "Revision",
    "Section",
    "StatusChange",
    "Tag",
    "public_articles",
]
