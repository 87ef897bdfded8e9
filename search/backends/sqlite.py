"""SQLite FTS5 (built into Python's sqlite3; no loadable extension).

One FTS5 row per article, rowid = article id; columns hold tokens joined by spaces, which the
`unicode61` tokenizer splits again (our pairs are letters to it). Phrases of pairs find every
substring; a prefix index of one to three characters serves single characters and words being
typed. `bm25()` with column weights ranks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

from ..query import Query, Term
from . import Backend, Entry, Hit

if TYPE_CHECKING:
    from articles.documents import PublicRows

TABLE = "search_fts"
COLUMNS = ("title", "summary", "body", "words", "pinyin")


def _quote(tokens: list[str] | tuple[str, ...]) -> str:
    # Our tokens are letters and digits only; a double quote could not reach here, but doubling
    # it is FTS5's escape and costs nothing.
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _phrase(term: Term) -> str:
    return _quote(term.tokens) + (" *" if term.prefix else "")


def expression(query: Query, columns: str = "{title summary body}") -> str:
    """The FTS5 query: every term in the text columns (a term that is one Chinese word may also
    match the word column, which ranks it higher and finds nothing more), none excluded."""
    parts = []
    for term in query.terms:
        text = f"{columns} : {_phrase(term)}"
        if term.word and columns != "title":
            text = f"({text} OR words : {_quote([term.word])})"
        parts.append(text)
    found = " AND ".join(parts)
    if query.excluded:
        found = f"({found}) NOT ({' OR '.join(f'{columns} : {_phrase(t)}' for t in query.excluded)})"
    return found


class SqliteBackend(Backend):
    TABLES = (TABLE,)

    def index(self, entries: list[Entry]) -> None:
        if not entries:
            return
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [[e.article_id] for e in entries])
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, {', '.join(COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s)",
                [
                    [
                        e.article_id,
                        " ".join(e.title),
                        " ".join(e.summary),
                        " ".join(e.body),
                        " ".join(e.words),
                        " ".join(e.pinyin),
                    ]
                    for e in entries
                ],
            )

    def delete(self, article_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [[i] for i in article_ids])

    def prune_missing(self, existing: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid NOT IN ({existing})")

    def match(self, query: Query) -> tuple[str, list]:
        return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [expression(query)]

    def newest(self, query: Query, limit: int) -> list[int]:
        # FTS5 walks its lists newest first and stops after `limit`.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s",
                [expression(query), limit],
            )
            return [row[0] for row in cursor.fetchall()]

    def _window_start(self, match: str, public: PublicRows, narrowed: bool) -> int | None:
        """The id of the WINDOW-th newest match (None: fewer match). FTS5 walks its lists newest
        first and stops there, so this costs WINDOW rows at most. Unless a reader's filters
        narrow the search, drafts are counted in the window: nearly every match is public,
        and looking each one up in the article table cost more than ranking them."""
        if narrowed:
            sql = (
                f"SELECT f.rowid FROM {TABLE} f {public.join('f.rowid')}"
                f" WHERE {TABLE} MATCH %s AND {public.condition} ORDER BY f.rowid DESC LIMIT 1 OFFSET %s"
            )
            params = public.params
        else:
            sql, params = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s ORDER BY rowid DESC LIMIT 1 OFFSET %s", []
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *params, self.WINDOW - 1])
            row = cursor.fetchone()
        return row[0] if row else None

    def search(self, query: Query, *, public: PublicRows, offset: int, limit: int, narrowed: bool = False) -> list[Hit]:
        match = expression(query)
        start = self._window_start(match, public, narrowed)
        window, window_params = ("AND f.rowid >= %s", [start]) if start is not None else ("", [])
        weights = ", ".join(str(w) for w in (self.TITLE, self.SUMMARY, self.BODY, self.WORDS, 0.0))
        sql = (
            f"SELECT f.rowid, bm25({TABLE}, {weights}) * (1 + {self.BOOST} * {public.boost}) AS score"
            f" FROM {TABLE} f {public.join('f.rowid')}"
            f" WHERE {TABLE} MATCH %s {window} AND {public.condition}"
            f" ORDER BY score, {public.newest} LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [match, *window_params, *public.params, limit, offset])
            return [Hit(row[0], -row[1]) for row in cursor.fetchall()]

    def suggest(self, query: Query, *, pinyin: str, public: PublicRows, limit: int) -> list[int]:
        found = expression(query, columns="title")
        if pinyin:
            found = f"({found}) OR pinyin : {_quote([pinyin])} *"
        sql = (
            f"SELECT f.rowid FROM {TABLE} f {public.join('f.rowid')}"
            f" WHERE {TABLE} MATCH %s AND {public.condition}"
            # Newest first by id: FTS5 walks its lists from the end and stops at the tenth public
            # title, however common the first characters typed.
            " ORDER BY f.rowid DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [found, *public.params, limit])
            return [row[0] for row in cursor.fetchall()]

    def size(self) -> int:
        with connection.cursor() as cursor:
            try:
                cursor.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE %s", [f"{TABLE}%"])
                return int(cursor.fetchone()[0] or 0)
            except Exception:
                return 0
