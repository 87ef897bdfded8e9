"""Search backends, one per database, chosen by the database the site runs on.

Every backend keeps one entry per article (any status: editors search drafts), holding the
text as `search.text` tokenises it; whether readers may see an article is decided at query time
from the article's own row, so a schedule reaching its second needs no re-indexing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from django.db import connection

from core.sql import analyze_tables

from ..query import Query

if TYPE_CHECKING:
    from articles.documents import PublicRows


@dataclass(frozen=True)
class Entry:
    """What an article gives the index (each field a list of tokens in order)."""

    article_id: int
    title: list[str]
    summary: list[str]
    body: list[str]
    words: list[str]
    pinyin: list[str]
    chars: list[str] = field(default_factory=list)  # each CJK character once (PostgreSQL's single characters)


@dataclass(frozen=True)
class Hit:
    article_id: int
    score: float


class Backend(ABC):
    """index, delete, match (a subquery for other lists), search (ranked), suggest; a rebuild
    is `index` in batches, then `prune_missing`."""

    # Column weights: a match in the title counts most, then the summary, then the body; a whole
    # word (the segmenter's) counts beside them, so that it ranks above a match across words.
    TITLE, SUMMARY, BODY, WORDS = 10.0, 4.0, 1.0, 20.0
    # An editor's boost (0-3) multiplies the score by 1 + BOOST x boost.
    BOOST = 0.5
    # Ranking scores every candidate, so a common word would cost in proportion to the archive.
    # Only the newest WINDOW matches are ranked: more than a reader can page through (the API
    # stops at 1,000 results), and for news the newest matches are the ones that count.
    WINDOW = 2000

    @abstractmethod
    def index(self, entries: list[Entry]) -> None:
        """Add or replace these articles' entries."""

    @abstractmethod
    def delete(self, article_ids: list[int]) -> None:
        """Remove these articles' entries."""

    @abstractmethod
    def prune_missing(self, existing: str) -> None:
        """Drop entries whose article no longer exists (`existing`: SQL selecting the ids that do)."""

    @abstractmethod
    def match(self, query: Query) -> tuple[str, list]:
        """SQL selecting the matching article ids, any status, and its parameters."""

    @abstractmethod
    def newest(self, query: Query, limit: int) -> list[int]:
        """The ids of the newest `limit` matching articles, any status, newest first: what the desk
        searches (the admin's box, the editor API's `q`), read from the index alone whatever the
        archive's size or the word's commonness."""

    @abstractmethod
    def search(self, query: Query, *, public: PublicRows, offset: int, limit: int, narrowed: bool = False) -> list[Hit]:
        """Best first, among `public` (the documents' rows readers may see): only whether readers
        may see an article, or also a reader's filters (`narrowed`: a section, tag, author or
        dates), which the window of ranked matches must then be counted within."""

    @abstractmethod
    def suggest(self, query: Query, *, pinyin: str, public: PublicRows, limit: int) -> list[int]:
        """Article ids whose titles complete the query (or whose title words' pinyin starts
        with `pinyin`), newest (highest id) first."""

    def size(self) -> int:
        """Bytes the index takes on disk (for the benchmark), or 0 when unknown."""
        return 0

    TABLES: tuple[str, ...] = ()

    def analyze(self) -> None:
        """Refresh the planner's statistics of the index's tables (after a rebuild)."""
        analyze_tables(self.TABLES)


def words_of(query: Query) -> list[str]:
    return [t.word for t in query.terms if t.word]


@cache
def _backend_for(vendor: str) -> Backend:
    if vendor == "postgresql":
        from .postgres import PostgresBackend

        return PostgresBackend()
    from .sqlite import SqliteBackend

    return SqliteBackend()


def get_backend() -> Backend:
    return _backend_for(connection.vendor)
