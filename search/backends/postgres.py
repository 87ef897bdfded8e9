"""PostgreSQL full text with no extension: stored `tsvector`s of our own tokens, GIN indexes.

The vectors are written as literals, not parsed by a text search configuration, so Chinese
pairs, words and pinyin reach the index exactly as `search.text` made them (the parsers would
split or drop them). Title, summary and body share one vector with weights A, B and D, a gap of
one position between them so that no phrase runs from one into the next. Phrases of pairs are
`<->` chains; `ts_rank` with those weights ranks.
"""

from __future__ import annotations

from django.db import connection

from ..query import Query, Term
from . import Backend, Entry, Hit, words_of

TABLE = "search_entry"
MAX_POSITION, MAX_POSITIONS = 16383, 256  # PostgreSQL's limits for one vector
WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'"  # D, C, B, A: body, -, summary, title (as 1 : 4 : 10)


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def vector(*fields: tuple[list[str], str]) -> str:
    """A tsvector literal of (tokens, weight) fields in order, positions running on."""
    positions: dict[str, list[str]] = {}
    position = 1
    for tokens, weight in fields:
        for token in tokens:
            if position > MAX_POSITION:
                break
            found = positions.setdefault(token, [])
            if len(found) < MAX_POSITIONS:
                found.append(f"{position}{weight}")
            position += 1
        position += 1
    return " ".join(f"{_lexeme(token)}:{','.join(p)}" for token, p in positions.items())


def bag(tokens: list[str]) -> str:
    """A tsvector literal without positions (ranking and prefix look-ups only)."""
    return " ".join(_lexeme(t) for t in dict.fromkeys(tokens))


def _phrase(term: Term, weight: str = "") -> str:
    lexemes = [_lexeme(t) + (":" + weight if weight else "") for t in term.tokens]
    if term.prefix:
        lexemes[-1] = _lexeme(term.tokens[-1]) + ":*" + weight
    return "(" + " <-> ".join(lexemes) + ")"


def tsquery(query: Query, weight: str = "") -> str:
    found = " & ".join(_phrase(t, weight) for t in query.terms)
    if query.excluded:
        found = f"({found}) & !({' | '.join(_phrase(t, weight) for t in query.excluded)})"
    return found


class PostgresBackend(Backend):
    def index(self, entries: list[Entry]) -> None:
        if not entries:
            return
        rows = [
            [
                e.article_id,
                vector((e.title, "A"), (e.summary, "B"), (e.body, "D")),
                bag(e.words),
                bag(e.pinyin),
            ]
            for e in entries
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {TABLE} (article_id, doc, words, pinyin)"
                " VALUES (%s, %s::tsvector, %s::tsvector, %s::tsvector)"
                " ON CONFLICT (article_id) DO UPDATE"
                " SET doc = EXCLUDED.doc, words = EXCLUDED.words, pinyin = EXCLUDED.pinyin",
                rows,
            )

    def delete(self, article_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE article_id = ANY(%s)", [list(article_ids)])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLE}")

    def prune_missing(self, articles_table: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {TABLE} e WHERE NOT EXISTS (SELECT 1 FROM {articles_table} a WHERE a.id = e.article_id)"
            )

    def match(self, query: Query) -> tuple[str, list]:
        return f"SELECT article_id FROM {TABLE} WHERE doc @@ %s::tsquery", [tsquery(query)]

    def _window_start(self, found: str, where: list[str], params: list) -> int | None:
        """The id of the WINDOW-th newest matching public article (None: fewer match)."""
        from articles.models import Article

        sql = (
            f"SELECT e.article_id FROM {TABLE} e JOIN {Article._meta.db_table} a ON a.id = e.article_id"
            f" WHERE e.doc @@ %s::tsquery AND {' AND '.join(where)} ORDER BY e.article_id DESC LIMIT 1 OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [found, *params, self.WINDOW - 1])
            row = cursor.fetchone()
        return row[0] if row else None

    def search(self, query: Query, *, where: list[str], params: list, offset: int, limit: int) -> list[Hit]:
        from articles.models import Article

        found = tsquery(query)
        start = self._window_start(found, where, params)
        window, window_params = ("AND e.article_id >= %s", [start]) if start is not None else ("", [])
        rank = f"ts_rank({WEIGHTS}, e.doc, %s::tsquery)"
        rank_params: list = [found]
        words = words_of(query)
        if words:
            rank = f"({rank} + {self.WORDS / self.TITLE} * ts_rank({WEIGHTS}, e.words, %s::tsquery, 0) * 10)"
            rank_params.append(" | ".join(_lexeme(w) for w in words))
        sql = (
            f"SELECT e.article_id, {rank} * (1 + {self.BOOST} * a.search_boost) AS score"
            f" FROM {TABLE} e JOIN {Article._meta.db_table} a ON a.id = e.article_id"
            f" WHERE e.doc @@ %s::tsquery {window} AND {' AND '.join(where)}"
            " ORDER BY score DESC, a.published_at DESC, a.id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*rank_params, found, *window_params, *params, limit, offset])
            return [Hit(row[0], float(row[1])) for row in cursor.fetchall()]

    def suggest(self, query: Query, *, pinyin: str, where: list[str], params: list, limit: int) -> list[int]:
        from articles.models import Article

        condition, found = "e.doc @@ %s::tsquery", [tsquery(query, weight="A")]
        if pinyin:
            condition = f"({condition} OR e.pinyin @@ %s::tsquery)"
            found.append(_lexeme(pinyin) + ":*")
        sql = (
            f"SELECT e.article_id FROM {TABLE} e JOIN {Article._meta.db_table} a ON a.id = e.article_id"
            f" WHERE {condition} AND {' AND '.join(where)}"
            " ORDER BY a.published_at DESC, a.id DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*found, *params, limit])
            return [row[0] for row in cursor.fetchall()]

    def size(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s)", [TABLE])
            return int(cursor.fetchone()[0] or 0)
