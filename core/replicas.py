"""Read replicas: public reads go to a PostgreSQL hot standby that keeps up, the rest to the primary.

`DATABASE_REPLICA_URLS` adds aliases `replica_1`, `replica_2`... A request reads a replica only
when all of this holds:

- its view is marked public (`replica_reads`) and the method is GET or HEAD;
- it carries no credentials (an editor reads the primary, so every editor sees their own work)
  and no pin cookie, which any successful write sets for `REPLICA_PIN_SECONDS`;
- a replica is usable: it answered its last health check, replays no more than
  `REPLICA_MAX_LAG_SECONDS` behind, and has replayed every change whose caches were purged.

The last point closes the race every replica setup has: the outbox consumer `wait_consumer`
runs after a change's derived rows are committed and before caches and the CDN are purged or
webhooks leave; it waits until every replica has replayed the primary's WAL to that point, and
marks one that does not within the lag limit as behind (in the shared cache) until it has. So
no reader refetching after a purge can rebuild an answer from a replica without the change.

A replica failing mid-request makes the request run again on the primary (reads only); a replica
that then fails its check is left out for `REPLICA_RETRY_SECONDS`. Writes, migrations and Celery always use the
primary.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from . import deadlines

logger = logging.getLogger(__name__)

PREFIX = "replica_"
PIN_COOKIE = "portal_primary"
BEHIND = "replica:behind:{}"
CHECK_SECONDS = 1.0

# Lag is measured against the primary's WAL position, sampled at every check (once a second per
# process while readers come): a replica is as far behind as the earliest sample it has not
# replayed yet. A replica's own "age of the last commit replayed" reads high whenever a quiet
# primary writes again, so it is not used.
_PRIMARY_SQL = "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint"
_REPLICA_SQL = "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint"
_samples: deque[tuple[float, int]] = deque(maxlen=600)


@dataclass
class Route:
    """What this request may read from: a replica's alias, or None for the primary."""

    alias: str | None = None
    eligible: bool = False


_route: ContextVar[Route | None] = ContextVar("portal_replica_route", default=None)


@dataclass
class _Health:
    checked: float
    usable: bool


_health: dict[str, _Health] = {}
_turn = itertools.count()
_aliases: list[str] | None = None


def aliases() -> list[str]:
    global _aliases
    if _aliases is None:
        _aliases = sorted(alias for alias in settings.DATABASES if alias.startswith(PREFIX))
    return _aliases


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    global _aliases
    if setting == "DATABASES":
        _aliases = None
        _health.clear()


def settings_for(urls: list[str], primary: dict, parse, timeout: float = 0.5) -> dict[str, dict]:
    """DATABASES entries for the replica URLs (the settings call this with django-environ's parser);
    `timeout` is DATABASE_REPLICA_TIMEOUT, in seconds."""
    entries = {}
    for number, url in enumerate(urls, start=1):
        entry = parse(url)
        if entry["ENGINE"] != "django.db.backends.postgresql" or primary["ENGINE"] != entry["ENGINE"]:
            raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs PostgreSQL replicas of a PostgreSQL DATABASE_URL")
        entry.setdefault("CONN_MAX_AGE", primary.get("CONN_MAX_AGE", 0))
        timeout_ms = max(int(timeout * 1000), 1)
        entry["OPTIONS"] = {
            "connect_timeout": 2,  # libpq's least; requests never wait on it (see _connect_within)
            # The server cancels a statement that runs longer than the limit (the replica stays in:
            # it answered); TCP gives up on a peer that stops acknowledging, and keepalives find a
            # dead one while the connection idles between requests.
            "options": f"-c statement_timeout={timeout_ms}",
            "tcp_user_timeout": timeout_ms + 1000,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            **entry.get("OPTIONS", {}),
        }
        # Tests run against the primary's test database under the replica's name.
        entry["TEST"] = {"MIRROR": "default"}
        entries[f"{PREFIX}{number}"] = entry
    return entries


class ReplicaRouter:
    """Reads go where the request's route says (the primary unless a public read chose a replica);
    writes and migrations to the primary."""

    def db_for_read(self, model, **hints):
        route = _route.get()
        return route.alias if route is not None else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def reader():
    """The connection this request reads with (for SQL written out; the ORM asks the router)."""
    route = _route.get()
    return connections[route.alias] if route is not None and route.alias else connections["default"]


def replica_reads(view):
    """Mark a view (a function, or a class before `as_view()`) as a public read a replica may serve."""
    view.replica_reads = True
    return view


def pick() -> str | None:
    """A usable replica, in turn; None when none is."""
    usable = [alias for alias in aliases() if _usable(alias)]
    if not usable:
        return None
    return usable[next(_turn) % len(usable)]


def _usable(alias: str) -> bool:
    health = _health.get(alias)
    wait = CHECK_SECONDS if health is None or health.usable else settings.REPLICA_RETRY_SECONDS
    if health is not None and time.monotonic() - health.checked < wait:
        return health.usable
    if not _connect_within(alias, settings.DATABASE_REPLICA_TIMEOUT):
        _left_out(alias, f"did not accept a connection within {settings.DATABASE_REPLICA_TIMEOUT} s")
        return False
    return check(alias)


def _left_out(alias: str, reason: str) -> None:
    was = _health.get(alias)
    _health[alias] = _Health(checked=time.monotonic(), usable=False)
    if was is None or was.usable:
        logger.warning("replica %s left out: it %s", alias, reason)


def _connect_within(alias: str, seconds: float) -> bool:
    """Whether this process holds a connection to the replica, or can make one within `seconds`.

    libpq waits 2 s at least for a connection, and a replica that accepts TCP but never answers
    (a frozen proxy, a stopped server's backlog) would hold a reader that long or longer. So a
    probe connects on a thread of its own first, and the request gives up on it after `seconds`
    (the probe ends by itself within `connect_timeout`)."""
    wrapper = connections[alias]
    if wrapper.connection is not None:
        return True
    answered = threading.Event()

    def probe() -> None:
        try:
            raw = wrapper.get_new_connection(wrapper.get_connection_params())
            try:
                raw.execute("SELECT 1")
                answered.set()
            finally:
                raw.close()
        except Exception:  # unreachable: the event stays unset
            pass

    threading.Thread(target=probe, name=f"replica-probe-{alias}", daemon=True).start()
    if not answered.wait(seconds):
        return False
    try:
        wrapper.ensure_connection()
    except DatabaseError:
        _close(alias)
        return False
    return True


def check(alias: str) -> bool:
    """Ask the replica now whether it keeps up; remember the answer for this process."""
    was = _health.get(alias)
    reason = ""
    try:
        primary = _primary_position()
        with connections[alias].cursor() as cursor:
            cursor.execute(_REPLICA_SQL)
            recovering, replayed = cursor.fetchone()
            lag = _lag(primary, replayed or 0)
            behind = cache.get(BEHIND.format(alias))
            if behind is not None:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [behind])
                if cursor.fetchone()[0]:
                    cache.delete(BEHIND.format(alias))
                    behind = None
        if not recovering:
            reason = "is not a standby"
        elif float(lag) > settings.REPLICA_MAX_LAG_SECONDS:
            reason = f"lags {float(lag):.1f} s"
        elif behind is not None:
            reason = f"has not replayed {behind} yet"
    except DatabaseError as error:
        reason = f"is unreachable ({str(error).strip().splitlines()[0] if str(error).strip() else error!r})"
        _close(alias)
    usable = not reason
    _health[alias] = _Health(checked=time.monotonic(), usable=usable)
    if was is None or was.usable != usable:
        if usable:
            logger.info("replica %s serves public reads", alias)
        else:
            logger.warning("replica %s left out: it %s", alias, reason)
    return usable


@receiver(connection_created)
def _watch_replica_connection(sender, connection, **kwargs) -> None:
    """Every statement on a replica connection runs under a deadline (core.deadlines)."""
    if connection.alias.startswith(PREFIX) and deadlines.replica_statement not in connection.execute_wrappers:
        connection.execute_wrappers.append(deadlines.replica_statement)


def _primary_position() -> int | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(_PRIMARY_SQL)
            position = int(cursor.fetchone()[0])
    except DatabaseError:
        return None  # the primary is down: the replica can still serve readers
    _samples.append((time.monotonic(), position))
    return position


def _lag(primary: int | None, replayed: int) -> float:
    """Seconds since the primary was first seen past what the replica has replayed."""
    if primary is None or replayed >= primary:
        return 0.0
    first_past = next(moment for moment, position in _samples if position > replayed)
    return time.monotonic() - first_past


def _close(alias: str) -> None:
    try:
        connections[alias].close()
    except DatabaseError:
        pass


def wait_consumer(event) -> None:
    """Outbox consumer: once the event's work is committed, hold purges until replicas have it."""
    if not aliases():
        return
    from django.db import transaction

    transaction.on_commit(wait_for_replicas, robust=True)


def wait_for_replicas() -> None:
    """Wait until every usable replica has replayed the primary's WAL up to now; a replica that
    does not within REPLICA_MAX_LAG_SECONDS is marked behind until it has."""
    replicas = [alias for alias in aliases() if cache.get(BEHIND.format(alias)) is None]
    if not replicas:
        return
    with connections["default"].cursor() as cursor:
        # Where WAL is inserted, not written: with `synchronous_commit = off` a commit's record
        # may not be written yet when its transaction returns.
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + settings.REPLICA_MAX_LAG_SECONDS
    pending = list(replicas)
    while pending:
        for alias in list(pending):
            try:
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [target])
                    if cursor.fetchone()[0]:
                        pending.remove(alias)
            except DatabaseError:
                pending.remove(alias)  # down: readers find that out and leave it out themselves
                _close(alias)
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    for alias in pending:
        cache.set(BEHIND.format(alias), target, timeout=24 * 60 * 60)
        logger.warning(
            "replica %s has not replayed %s within %s s; left out until it has",
            alias,
            target,
            settings.REPLICA_MAX_LAG_SECONDS,
        )


class ReplicaReadsMiddleware:
    """Chooses where each request reads; pins a writer to the primary for REPLICA_PIN_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not aliases():
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            response = self.get_response(request)
            if response.status_code < 400 and _credentials(request):
                _pin(response)  # an editor's write (not a reader's view event)
            return response
        route = Route(eligible=not _credentials(request))
        token = _route.set(route)
        try:
            response = self.get_response(request)
            if route.alias is not None and response.status_code == 503:
                # A read that failed on a replica runs again on the primary; the replica is left
                # out if it fails its check (a 503 of another cause, Redis down, leaves it in).
                check(route.alias)
                route.alias, route.eligible = None, False
                response = self.get_response(request)
            return response
        finally:
            _route.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        choose_for(view_func)
        return None


def choose_for(view_func) -> Route | None:
    """Where this request reads, now that its view is known: a replica for a view marked as a
    public read (when the request may use one); returns the request's route, if any."""
    route = _route.get()
    if route is None or not route.eligible:
        return route
    # A function marked itself; a class-based view's function names its class (DRF: `cls`).
    view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
    if getattr(view_func, "replica_reads", False) or getattr(view_class, "replica_reads", False):
        route.alias = pick()
    return route


def _credentials(request) -> bool:
    cookies = request.COOKIES
    return PIN_COOKIE in cookies or settings.SESSION_COOKIE_NAME in cookies or "Authorization" in request.headers


def _pin(response) -> None:
    seconds = int(settings.REPLICA_PIN_SECONDS)
    if seconds > 0:
        response.set_cookie(
            PIN_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
        )
