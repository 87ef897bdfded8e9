"""PostgreSQL full text with no extension: stored `tsvector`s of our own tokens, GIN indexes.

The vectors are written as literals, not parsed by a text search configuration, so Chinese
pairs, words and pinyin reach the index exactly as `search.text` made them (the parsers would
split or drop them). `search_doc.doc` holds title, summary and body (weights A, B and D, a gap
of one position between them so that no phrase runs from one into the next) and is only ever
read through its GIN index, to match; its rows are narrow, so the rows a common word matches
are quick to visit. Ranking reads `search_entry`: `head` (title and summary) and `words` (the
segmenter's words of the whole text), so ranking two thousand candidates never reads a body.
"""

from __future__ import annotations

from django.db import connection, transaction

from .. import text
from ..query import Query, Term
from . import Backend, Entry, Hit, words_of

TABLE = "search_entry"  # what ranking and suggestions read
DOCS = "search_doc"  # the whole text, matched through its GIN index only
MAX_POSITION, MAX_POSITIONS = 16383, 256  # PostgreSQL's limits for one vector


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


def _single(term: Term) -> bool:
    return term.prefix and len(term.tokens) == 1 and text.is_character(term.tokens[0])


def condition(query: Query) -> tuple[str, list]:
    """The WHERE of `search_doc` for a query: its phrases against `doc`, its single characters
    against `chars` (an exact entry each), exclusions as NOT of either."""
    parts: list[str] = []
    params: list[str] = []
    for terms, column, negate in (
        ([t for t in query.terms if not _single(t)], "doc", False),
        ([t for t in query.terms if _single(t)], "chars", False),
        ([t for t in query.excluded if not _single(t)], "doc", True),
        ([t for t in query.excluded if _single(t)], "chars", True),
    ):
        if not terms:
            continue
        if column == "chars":
            found = (" | " if negate else " & ").join(_lexeme(t.tokens[0]) for t in terms)
        else:
            found = (" | " if negate else " & ").join(_phrase(t) for t in terms)
        parts.append(f"{'NOT ' if negate else ''}({column} @@ %s::tsquery)")
        params.append(found)
    return " AND ".join(parts), params


class PostgresBackend(Backend):
    def _weights(self) -> str:
        """ts_rank's weights for D, C, B, A: body, -, summary, title."""
        body, summary = self.BODY / self.TITLE, self.SUMMARY / self.TITLE
        return f"'{{{body}, 0, {summary}, 1.0}}'"

    def index(self, entries: list[Entry]) -> None:
        if not entries:
            return
        docs = [[e.article_id, vector((e.title, "A"), (e.summary, "B"), (e.body, "D")), bag(e.chars)] for e in entries]
        rows = [[e.article_id, vector((e.title, "A"), (e.summary, "B")), bag(e.words), bag(e.pinyin)] for e in entries]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {DOCS} (article_id, doc, chars) VALUES (%s, %s::tsvector, %s::tsvector)"
                " ON CONFLICT (article_id) DO UPDATE SET doc = EXCLUDED.doc, chars = EXCLUDED.chars",
                docs,
            )
            cursor.executemany(
                f"INSERT INTO {TABLE} (article_id, head, words, pinyin)"
                " VALUES (%s, %s::tsvector, %s::tsvector, %s::tsvector)"
                " ON CONFLICT (article_id) DO UPDATE SET head = EXCLUDED.head,"
                " words = EXCLUDED.words, pinyin = EXCLUDED.pinyin",
                rows,
            )

    def delete(self, article_ids: list[int]) -> None:
        with connection.cursor() as cursor:
            for table in (DOCS, TABLE):
                cursor.execute(f"DELETE FROM {table} WHERE article_id = ANY(%s)", [list(article_ids)])

    def prune_missing(self, articles_table: str) -> None:
        with connection.cursor() as cursor:
            for table in (DOCS, TABLE):
                cursor.execute(
                    f"DELETE FROM {table} e WHERE NOT EXISTS"
                    f" (SELECT 1 FROM {articles_table} a WHERE a.id = e.article_id)"
                )
            # A bulk rebuild leaves its entries in the indexes' pending lists, which every search
            # would read through: merge them now.
            for index in (f"{DOCS}_doc", f"{DOCS}_chars", f"{TABLE}_head", f"{TABLE}_pinyin"):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])

    def match(self, query: Query) -> tuple[str, list]:
        where, params = condition(query)
        return f"SELECT article_id FROM {DOCS} WHERE {where}", params

    # The newest entries looked at first (by id): a common word fills the window there, and only
    # a rarer one is looked up across the whole archive, where it has few matches.
    RECENT = 20000

    def _floor(self, cursor) -> int:
        cursor.execute(f"SELECT COALESCE(MAX(article_id), 0) FROM {TABLE}")
        return max(0, cursor.fetchone()[0] - self.RECENT)

    def search(
        self, query: Query, *, where: list[str], params: list, offset: int, limit: int, narrowed: bool = False
    ) -> list[Hit]:
        from articles.models import Article

        articles = Article._meta.db_table
        found = tsquery(query)
        matching, matching_params = condition(query)
        rank = f"ts_rank({self._weights()}, e.head, %s::tsquery)"
        rank_params: list = [found]
        words = words_of(query)
        if words:
            rank = f"({rank} + {self.WORDS / self.TITLE} * ts_rank('{{1, 1, 1, 1}}', e.words, %s::tsquery, 0))"
            rank_params.append(" | ".join(_lexeme(w) for w in words))
        # The matches come from the GIN index (materialised, so the planner cannot trade it for a
        # walk down the primary key reading every `doc`); the newest WINDOW public ones are ranked.
        sql = (
            f"WITH hits AS MATERIALIZED (SELECT article_id FROM {DOCS} WHERE {matching} AND article_id + 0 > %s),"
            " recent AS MATERIALIZED ("
            f" SELECT h.article_id FROM hits h JOIN {articles} a ON a.id = h.article_id"
            f" WHERE {' AND '.join(where)} ORDER BY h.article_id DESC LIMIT %s)"
            f" SELECT e.article_id, {rank} * (1 + {self.BOOST} * a.search_boost) AS score,"
            " (SELECT COUNT(*) FROM recent) AS ranked"
            f" FROM recent r JOIN {TABLE} e ON e.article_id = r.article_id JOIN {articles} a ON a.id = r.article_id"
            " ORDER BY score DESC, a.published_at DESC, a.id DESC LIMIT %s OFFSET %s"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # The planner prices a sequential scan of `search_entry` by its small heap and does not
            # see that each row's `doc` must be fetched out of line and decompressed: for a common
            # character that is the whole table's text. This query only ever wants the index.
            cursor.execute("SET LOCAL enable_seqscan = off")
            floor = self._floor(cursor)
            for bound in (floor, 0) if floor else (0,):
                cursor.execute(sql, [*matching_params, bound, *params, self.WINDOW, *rank_params, limit, offset])
                rows = cursor.fetchall()
                if bound == 0 or (rows and rows[0][2] >= self.WINDOW):
                    break  # a full window among the newest entries, or the whole archive
            return [Hit(row[0], float(row[1])) for row in rows]

    def suggest(self, query: Query, *, pinyin: str, where: list[str], params: list, limit: int) -> list[int]:
        from articles.models import Article

        condition, found = "e.head @@ %s::tsquery", [tsquery(query, weight="A")]
        if pinyin:
            condition = f"({condition} OR e.pinyin @@ %s::tsquery)"
            found.append(_lexeme(pinyin) + ":*")
        joined = f"{TABLE} e JOIN {Article._meta.db_table} a ON a.id = e.article_id"
        public = " AND ".join(where)
        # First down the newest entries, stopping at the tenth title (what is being typed is
        # usually common); then, for a rarer beginning, through the indexes over every entry.
        newest = (
            f"SELECT e.article_id FROM {joined} WHERE {condition} AND e.article_id > %s AND {public}"
            " ORDER BY e.article_id DESC LIMIT %s"
        )
        everywhere = (
            f"WITH hits AS MATERIALIZED (SELECT e.article_id FROM {TABLE} e WHERE {condition})"
            f" SELECT h.article_id FROM hits h JOIN {Article._meta.db_table} a ON a.id = h.article_id"
            f" WHERE {public} ORDER BY h.article_id DESC LIMIT %s"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            floor = self._floor(cursor)
            cursor.execute(newest, [*found, floor, *params, limit])
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) < limit and floor:
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute(everywhere, [*found, *params, limit])
                ids = [row[0] for row in cursor.fetchall()]
            return ids

    def size(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s) + pg_total_relation_size(%s)", [DOCS, TABLE])
            return int(cursor.fetchone()[0] or 0)
