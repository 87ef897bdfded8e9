"""Deadlines on database statements, kept by the client: a server that stops answering altogether
(a frozen proxy, a host gone quiet) never sees its own `statement_timeout`, and psycopg would wait
for it forever. Used on read-replica connections (core.replicas), where a read that misses its
deadline runs again on the primary."""

from __future__ import annotations

import itertools
import logging
import os
import socket
import threading
import time

import psycopg
from django.conf import settings

logger = logging.getLogger(__name__)


class Watchdog:
    """Cuts a replica connection whose statement has not come back by its deadline.

    The server's `statement_timeout` ends a slow statement on a replica that works; a replica
    that does not answer at all (its proxy frozen, its host gone quiet) never sees the statement,
    and psycopg would wait forever. One thread per process holds the deadlines; at a deadline it
    shuts the socket down, the statement fails at once with an OperationalError, and the read
    runs again on the primary (ReplicaReadsMiddleware)."""

    GRACE = 0.25  # past the server's own timeout, which answers first when the server is alive

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._armed: dict[int, tuple[float, int]] = {}  # token -> (deadline, socket fd)
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def arm(self, fd: int, seconds: float) -> int:
        with self._lock:
            token = next(self._tokens)
            self._armed[token] = (time.monotonic() + seconds, fd)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="replica-watchdog", daemon=True)
                self._thread.start()
            self._lock.notify()
            return token

    def disarm(self, token: int) -> bool:
        """Whether the statement came back in time (False: its connection was cut)."""
        with self._lock:
            return self._armed.pop(token, None) is not None

    def _run(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                for token in [t for t, (deadline, _) in self._armed.items() if deadline <= now]:
                    _, fd = self._armed.pop(token)
                    try:  # shutdown acts on the socket itself, whichever descriptor names it
                        cut = socket.socket(fileno=os.dup(fd))
                        cut.shutdown(socket.SHUT_RDWR)
                        cut.close()
                    except OSError:
                        pass
                nearest = min((deadline for deadline, _ in self._armed.values()), default=None)
                self._lock.wait(None if nearest is None else max(nearest - time.monotonic(), 0.001))


watchdog = Watchdog()


def replica_statement(execute, sql, params, many, context):
    """Django's execute wrapper on replica connections: each statement under the watchdog."""
    wrapper = context["connection"]
    raw = wrapper.connection
    try:
        fd = raw.pgconn.socket if raw is not None else -1
    except psycopg.Error:  # the connection is lost: the statement fails as a database error, below
        fd = -1
    if fd < 0:
        return execute(sql, params, many, context)
    seconds = settings.DATABASE_REPLICA_TIMEOUT + Watchdog.GRACE
    token = watchdog.arm(fd, seconds)
    try:
        return execute(sql, params, many, context)
    finally:
        if not watchdog.disarm(token):
            logger.warning("replica %s did not answer within %.2f s: connection cut", wrapper.alias, seconds)
