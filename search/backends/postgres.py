"""PostgreSQL full text with no extension: stored `tsvector`s of our own tokens, GIN indexes.

The vectors are written as literals, not parsed by a text search configuration, so Chinese
pairs, words and pinyin reach the index exactly as `search.text` made them (the parsers would
split or drop them). `search_doc.doc` holds title, summary and body (weights A, B and D, a gap
of one position between them so that no phrase runs from one into the next) and is only ever
read through its GIN index, to match; its rows are narrow, so the rows a common word matches
are quick to visit. Ranking reads `search_entry`: `head` (title and summary) and `words` (the
segmenter's words of the whole text), so ranking two thousand candidates never reads a body;
its vectors too live out of line, so the rows its indexes lead to are as narrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction

from core.replicas import reader

from .. import text
from ..query import Query, Term
from . import Backend, Entry, Hit, words_of

if TYPE_CHECKING:
    from articles.documents import PublicRows

TABLE = "search_entry"  # what ranking and suggestions read
DOCS = "search_doc"  # the whole text, matched through its GIN index only
MAX_POSITION, MAX_POSITIONS = 16383, 256  # PostgreSQL's limits for one vector


MAX_LEXEME_BYTES = 2046  # PostgreSQL refuses a lexeme of 2,047 bytes or more


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _fits(token: str) -> bool:
    """search.text keeps tokens far shorter; a token that does not fit is left out of the
    vector rather than failing the whole article's indexing."""
    return len(token.encode()) <= MAX_LEXEME_BYTES


def vector(*fields: tuple[list[str], str]) -> str:
    """A tsvector literal of (tokens, weight) fields in order, positions running on."""
    positions: dict[str, list[str]] = {}
    position = 1
    for tokens, weight in fields:
        for token in tokens:
            if position > MAX_POSITION:
                break
            if not _fits(token):
                continue
            found = positions.setdefault(token, [])
            if len(found) < MAX_POSITIONS:
                found.append(f"{position}{weight}")
            position += 1
        position += 1
    return " ".join(f"{_lexeme(token)}:{','.join(p)}" for token, p in positions.items())


def bag(tokens: list[str]) -> str:
    """A tsvector literal without positions (ranking and prefix look-ups only)."""
    return " ".join(_lexeme(t) for t in dict.fromkeys(tokens) if _fits(t))


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


BUCKET = 10_000  # entries by id in one recency bucket
FINE = 1_000  # and in a fine one (titles and pinyin only: suggestions want ten titles)


def bucket(article_id: int) -> str:
    """The recency bucket's lexeme: `~` never begins one of our tokens (letters and digits)."""
    return f"~{article_id // BUCKET}"


def fine_bucket(article_id: int) -> str:
    return f"~f{article_id // FINE}"


def _buckets(newest: int, span: int, size: int, prefix: str) -> str:
    """A tsquery of the buckets holding at least the newest `span` entries."""
    first, last = max(0, newest - span) // size, newest // size
    return "(" + " | ".join(_lexeme(f"{prefix}{b}") for b in range(first, last + 1)) + ")"


def _single(term: Term) -> bool:
    return term.prefix and len(term.tokens) == 1 and text.is_character(term.tokens[0])


def condition(query: Query, recent: str = "") -> tuple[str, list]:
    """The WHERE of `search_doc` for a query: its phrases against `doc`, its single characters
    against `chars` (an exact entry each), exclusions as NOT of either; with `recent` (a tsquery
    of recency buckets), only entries in those buckets, found by the same index look-up."""
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
        if recent and not negate and not params:
            found = f"({found}) & {recent}"
        parts.append(f"{'NOT ' if negate else ''}({column} @@ %s::tsquery)")
        params.append(found)
    return " AND ".join(parts), params


def _settings(cursor, **settings: str) -> None:
    """Planner settings for the rest of this transaction, in one round trip."""
    calls = ", ".join("set_config(%s, %s, true)" for _ in settings)
    cursor.execute(f"SELECT {calls}", [v for pair in settings.items() for v in pair])


class PostgresBackend(Backend):
    TABLES = (DOCS, TABLE)

    def _weights(self) -> str:
        """ts_rank's weights for D, C, B, A: body, -, summary, title."""
        body, summary = self.BODY / self.TITLE, self.SUMMARY / self.TITLE
        return f"'{{{body}, 0, {summary}, 1.0}}'"

    def index(self, entries: list[Entry]) -> None:
        if not entries:
            return
        docs, rows = [], []
        for e in entries:
            # Every vector but the words' also holds its entry's recency bucket, so that the index
            # alone finds the newest matches of a common word (see `_recent`).
            mark = " " + _lexeme(bucket(e.article_id))
            doc = vector((e.title, "A"), (e.summary, "B"), (e.body, "D"))
            docs.append([e.article_id, doc + mark, bag(e.chars) + mark])
            head = vector((e.title, "A"), (e.summary, "B"))
            # Each Chinese character of the title once (`^来`): a single character being typed is
            # one exact look-up for suggestions, not every pair it begins checked for weight A.
            initials = {f"^{t[0]}" for t in e.title if text.is_character(t[0])}
            head += (" " + bag(sorted(initials))) if initials else ""
            fine = " " + _lexeme(fine_bucket(e.article_id))
            rows.append([e.article_id, head + mark + fine, bag(e.words) + mark, bag(e.pinyin) + mark + fine])
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

    def prune_missing(self, existing: str) -> None:
        with connection.cursor() as cursor:
            for table in (DOCS, TABLE):
                # An anti-join (NOT IN over a million ids would not fit a hash and run row by row).
                cursor.execute(
                    f"DELETE FROM {table} e WHERE NOT EXISTS (SELECT 1 FROM ({existing}) x WHERE x.id = e.article_id)"
                )
            # A bulk rebuild leaves its entries in the indexes' pending lists, which every search
            # would read through: merge them now.
            for index in (f"{DOCS}_doc", f"{DOCS}_chars", f"{TABLE}_head", f"{TABLE}_words", f"{TABLE}_pinyin"):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])

    def match(self, query: Query) -> tuple[str, list]:
        where, params = condition(query)
        return f"SELECT article_id FROM {DOCS} WHERE {where}", params

    # The newest entries looked at first, by recency bucket: a common word fills the window there,
    # and only a rarer one is looked up across the whole archive, where it has few matches.
    RECENT = 20000

    SUGGEST_RECENT = 2000  # suggestions look among these newest titles first

    def _newest(self, cursor) -> int:
        cursor.execute(f"SELECT COALESCE(MAX(article_id), 0) FROM {TABLE}")
        return cursor.fetchone()[0]

    def _recent(self, cursor) -> str:
        """A tsquery of the buckets holding at least the newest RECENT entries ("" when that is all)."""
        newest = self._newest(cursor)
        return _buckets(newest, self.RECENT, BUCKET, "~") if newest > self.RECENT else ""

    def newest(self, query: Query, limit: int) -> list[int]:
        with transaction.atomic(), connection.cursor() as cursor:
            _settings(cursor, enable_seqscan="off", jit="off")  # the index only (see `search`)
            # In the newest buckets first, where a common word has `limit` matches; a rarer one is
            # then looked up across the archive, where it has few.
            buckets = self._recent(cursor)
            for look_in in [buckets, ""] if buckets else [""]:
                where, params = condition(query, look_in)
                cursor.execute(
                    f"WITH hits AS MATERIALIZED (SELECT article_id FROM {DOCS} WHERE {where})"
                    " SELECT article_id FROM hits ORDER BY article_id DESC LIMIT %s",
                    [*params, limit],
                )
                ids = [row[0] for row in cursor.fetchall()]
                if len(ids) >= limit:
                    break
            return ids

    def search(self, query: Query, *, public: PublicRows, offset: int, limit: int, narrowed: bool = False) -> list[Hit]:
        found = tsquery(query)
        # Only matches in the title or summary have a rank of their own (the rest rank by the
        # word tier, then the newest first): those are found through the head's index, and only
        # their head is read and ranked.
        since = " AND article_id + 0 >= (SELECT COALESCE(MIN(article_id), 0) FROM recent)"
        extra = f", headed AS MATERIALIZED (SELECT article_id FROM {TABLE} WHERE head @@ %s::tsquery{since})"
        looked_for: list = [found]
        rank = (
            "CASE WHEN r.article_id IN (SELECT article_id FROM headed) THEN"
            f" (SELECT ts_rank({self._weights()}, e.head, %s::tsquery) FROM {TABLE} e"
            " WHERE e.article_id = r.article_id) ELSE 0 END"
        )
        rank_params: list = [found]
        words = words_of(query)
        if words:
            # Whether the segmenter found the query's words, from the word index (no row's word
            # list is read: decompressing two thousand of them was most of a page's time).
            extra += f", whole AS MATERIALIZED (SELECT article_id FROM {TABLE} WHERE words @@ %s::tsquery{since})"
            looked_for.append(" | ".join(_lexeme(w) for w in words))
            rank = f"({rank} + {self.WORDS / self.TITLE} * (r.article_id IN (SELECT article_id FROM whole))::int)"
        # Unless a reader's filters narrow the search, drafts count in the window (nearly every
        # match is public; the final join keeps only what readers may see): looking each match up
        # in the article table cost more than ranking it.
        if narrowed:
            recent = (
                f"SELECT h.article_id FROM hits h {public.join('h.article_id')}"
                f" WHERE {public.condition} ORDER BY h.article_id DESC LIMIT %s"
            )
            recent_params = [*public.params, self.WINDOW]
        else:
            recent, recent_params = "SELECT article_id FROM hits ORDER BY article_id DESC LIMIT %s", [self.WINDOW]

        def run(cursor, buckets: str, enough: int) -> list:
            # The matches come from the GIN index (materialised, so the planner cannot trade it
            # for a walk down the primary key reading every `doc`); the newest WINDOW are ranked,
            # and only once `enough` of them are found (a first pass in the newest buckets).
            matching, matching_params = condition(query, buckets)
            # In the first pass the title and word look-ups stay in the same buckets, in the index.
            extra_params = [f"({q}) & {buckets}" if buckets else q for q in looked_for]
            sql = (
                f"WITH hits AS MATERIALIZED (SELECT article_id FROM {DOCS} WHERE {matching}),"
                f" recent AS MATERIALIZED ({recent}){extra}"
                f" SELECT r.article_id, {rank} * (1 + {self.BOOST} * {public.boost}) AS score"
                f" FROM recent r {public.join('r.article_id')}"
                f" WHERE {public.condition} AND (SELECT COUNT(*) FROM recent) >= %s"
                f" ORDER BY score DESC, {public.newest} LIMIT %s OFFSET %s"
            )
            values = [
                *matching_params, *recent_params, *extra_params, *rank_params, *public.params, enough, limit, offset
            ]  # fmt: skip
            cursor.execute(sql, values)
            return cursor.fetchall()

        reading = reader()  # a replica for a reader's search (core.replicas)
        with transaction.atomic(using=reading.alias), reading.cursor() as cursor:
            # The planner prices a sequential scan of `search_doc` by its small heap and does not
            # see that each row's `doc` must be fetched out of line and decompressed: for a common
            # character that is the whole table's text. This query only ever wants the index.
            # A disabled plan's cost can also pass `jit_above_cost`: compiling would cost more
            # than running a query that reads a few thousand index entries.
            _settings(cursor, enable_seqscan="off", jit="off")
            buckets = self._recent(cursor)
            rows = run(cursor, buckets, self.WINDOW) if buckets else []
            if not rows:
                rows = run(cursor, "", 0)  # a rarer word: across the whole archive
            return [Hit(row[0], float(row[1])) for row in rows]

    def suggest(self, query: Query, *, pinyin: str, public: PublicRows, limit: int) -> list[int]:
        titled = " & ".join(_lexeme(f"^{t.tokens[0]}") if _single(t) else _phrase(t, "A") for t in query.terms)
        if query.excluded:
            titled = f"({titled}) & !({' | '.join(_phrase(t, 'A') for t in query.excluded)})"

        def matching(buckets: str) -> tuple[str, list]:
            recent = f" & {buckets}" if buckets else ""
            found = "e.head @@ %s::tsquery"
            values = [f"({titled}){recent}"]
            if pinyin:
                found = f"({found} OR e.pinyin @@ %s::tsquery)"
                values.append(f"{_lexeme(pinyin)}:*{recent}")
            return found, values

        reading = reader()
        with transaction.atomic(using=reading.alias), reading.cursor() as cursor:
            # A handful of titles is looked up in the article table one by one: the planner, not
            # knowing how few match, would otherwise walk the whole table in id order to join them.
            _settings(cursor, enable_seqscan="off", jit="off", enable_mergejoin="off", enable_hashjoin="off")
            # First in the newest buckets, where what is being typed usually has ten titles; then,
            # for a rarer beginning, across every entry (few match). Both through the indexes only.
            newest = self._newest(cursor)
            passes = [
                _buckets(newest, span, size, prefix)
                for span, size, prefix in ((self.SUGGEST_RECENT, FINE, "~f"), (self.RECENT, BUCKET, "~"))
                if newest > span
            ]
            for look_in in [*passes, ""]:
                found, values = matching(look_in)
                cursor.execute(
                    f"WITH hits AS MATERIALIZED (SELECT e.article_id FROM {TABLE} e WHERE {found})"
                    f" SELECT h.article_id FROM hits h {public.join('h.article_id')}"
                    f" WHERE {public.condition} ORDER BY h.article_id DESC LIMIT %s",
                    [*values, *public.params, limit],
                )
                ids = [row[0] for row in cursor.fetchall()]
                if len(ids) >= limit:
                    break
            return ids

    def size(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size(%s) + pg_total_relation_size(%s)", [DOCS, TABLE])
            return int(cursor.fetchone()[0] or 0)
