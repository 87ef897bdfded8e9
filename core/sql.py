"""Hot reads written out as SQL once, fetched in the cheapest form the database offers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .replicas import reader

logger = logging.getLogger(__name__)


def fetch_all(sql: str, params: list, *, generic: bool = True) -> list[tuple]:
    """Rows of one query on the request's read connection (core.replicas), through Django's cursor wrapper (errors
    become Django's, queries are counted and logged as any other).

    `generic`: on PostgreSQL the statement runs on the plan made once for any parameters
    (see `_plan_mode`); False for a query whose best plan depends on its values (words
    searched for, common or rare).

    On PostgreSQL the rows come in the binary format: stored documents (`bytea`) arrive as
    their bytes rather than as hex text to decode, and times as numbers rather than text to
    parse, which halves the cost of a list page's query. That needs parameters bound by the
    server, so the SQL must be valid with them (plain values, no `%s` in odd places).

    The health check Django runs before a request's first query (`SELECT 1`, a round trip on
    every public read) is replaced here by its effect: a read on a connection kept from an
    earlier request that finds it broken (a restarted server, a blip) runs again once on a new
    one, so no reader sees the break. A read on a new connection that fails is an outage.
    """
    connection = reader()
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # Replicas keep Django's check and fail over to the primary (core.replicas); the primary's
    # kept connection is checked by the read itself, below.
    kept = connection.alias == DEFAULT_DB_ALIAS and connection.connection is not None
    kept = kept and not connection.in_atomic_block
    if connection.alias == DEFAULT_DB_ALIAS:
        connection.health_check_done = True
    try:
        return _fetch_binary(connection, sql, params, generic)
    except (OperationalError, InterfaceError):
        # Only a broken connection: a statement that failed on a working one (a time-out) fails.
        if not (kept and (connection.connection is None or connection.connection.broken)):
            raise
        logger.info("a kept database connection was broken; reading again on a new one")
        connection.close()
        return _fetch_binary(connection, sql, params, generic)


def _fetch_binary(connection, sql: str, params: list, generic: bool) -> list[tuple]:
    import psycopg

    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        # Prepared once per connection, then only executed: the hot reads are few shapes run
        # all day, and planning each (Django turns psycopg's preparing off for every query, for
        # PgBouncer's sake) costs the server more than running it. The ORM's queries bind on the
        # client and are never prepared. DATABASE_PREPARED_READS=false behind a pooler that
        # cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
        connection.connection.prepare_threshold = 0 if settings.DATABASE_PREPARED_READS else None
        raw = psycopg.Cursor(connection.connection)
        raw.format = psycopg.pq.Format.BINARY
    wrapper = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with wrapper as cursor:
        _plan_mode(connection, cursor, generic)
        cursor.execute(sql, params)
        return cursor.fetchall()


_GENERIC, _CHOSEN = "force_generic_plan", "auto"


def _plan_mode(connection, cursor, generic: bool) -> None:
    """Run the hot reads on their generic plan, made once a connection.

    PostgreSQL plans a prepared statement for its first five runs with the values given, then
    keeps planning each run anew when the plan for any value looks costlier than those. For a
    list page that is always so: `published_at < $1` is guessed at a third of the table, the
    page's real bound at a handful of rows, and so every page was planned again (0.75 ms) to
    run for 0.05 ms on the same index. The generic plan is the same walk down the same index.
    The setting is the session's and applies only to prepared statements (the ORM's are sent
    bound and planned once each); the primary's connections open with it (the settings), and
    it is sent only when a read needs the other mode. Inside a transaction it
    is left as it is: a rollback would undo it unseen.
    """
    if not settings.DATABASE_PREPARED_READS or connection.in_atomic_block:
        return
    mode = _GENERIC if generic else _CHOSEN
    session = connection.connection
    known = getattr(connection, "_plan_mode", None)
    if known is None or known[0] is not session:
        # A new session starts with the mode its connection options give (the primary's are set
        # in the settings, so it costs no round trip); else it is sent with the first read.
        options = connection.settings_dict.get("OPTIONS", {}).get("options", "")
        known = (session, _GENERIC if f"plan_cache_mode={_GENERIC}" in options else None)
    if known[1] != mode:
        cursor.execute(f"SET plan_cache_mode = {mode}")
        known = (session, mode)
    connection._plan_mode = known


def aware_moment(value) -> datetime:
    """`aware` for a column that is never NULL."""
    moment = aware(value)
    if moment is None:
        raise ValueError("a timestamp was expected, not NULL")
    return moment


def aware(value) -> datetime | None:
    """A timestamp as the database driver returns it (SQLite: text; PostgreSQL: aware)."""
    if value is None:
        return None
    if value.__class__ is datetime:  # read for every row of a list page: the shortest way first
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    return parsed if parsed is None or timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def analyze(models: list) -> None:
    """Refresh the planner's statistics of these models' tables after a bulk write, as
    autovacuum would later (a plan made on the empty table's statistics can scan the new rows)."""
    analyze_tables([model._meta.db_table for model in models])


def analyze_tables(tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
