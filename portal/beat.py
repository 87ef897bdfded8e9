"""Celery beat's scheduler: django-celery-beat's database schedule, riding out database outages.

The stock DatabaseScheduler catches database errors in some places and not others (the full
re-read every five minutes, entries it disables, the first read at start), and beat exits on the
first one that escapes; under `scripts/serve.sh` that took the host down. Here every tick that
fails on the database is retried with back-off (1, 2, 4 s, then every 4 s), as the workers
retry their broker, and logged once when the outage starts and once when it ends. The check for
changed schedules, which the stock scheduler runs each tick and swallows errors of, counts too:
while it fails beat keeps sending what it already knows from memory, and the outage is logged
the same way. Due tasks are sent late, not lost: beat runs a missed interval schedule once when it can."""

from __future__ import annotations

import logging
import time

from django.db import DatabaseError, InterfaceError, close_old_connections, connections
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

# Short: due tasks (the rail, scheduled publishing) resume within seconds of the database's return.
RETRY_FIRST, RETRY_MOST = 1.0, 4.0


class ResilientScheduler(DatabaseScheduler):
    _down_since: float | None = None
    _retry = RETRY_FIRST
    _setup_pending = False
    _failed_this_tick = False

    def setup_schedule(self):
        try:
            super().setup_schedule()
        except (DatabaseError, InterfaceError) as error:
            self._setup_pending = True  # done on the first tick the database answers
            self._failed(error)

    def tick(self, *args, **kwargs):
        self._failed_this_tick = False
        try:
            if self._setup_pending:
                self._initial_read = True
                super().setup_schedule()
                self._setup_pending = False
            delay = super().tick(*args, **kwargs)
        except (DatabaseError, InterfaceError) as error:
            if self._schedule is None:
                self._initial_read = True  # the first read failed: read it all again next time
            return self._failed(error)
        if not self._failed_this_tick:
            self._answered()
        return delay

    def schedule_changed(self) -> bool:
        """Whether an editor changed a schedule since the last tick (PostgreSQL and SQLite only:
        the stock version's commit for MySQL's repeatable reads is not needed)."""
        try:
            close_old_connections()
            last, now = self._last_timestamp, self.Changes.last_change()
        except (DatabaseError, InterfaceError) as error:
            self._failed(error)
            return False  # beat goes on with the schedule it holds
        self._answered()
        self._last_timestamp = now
        return bool(now and last and now > last)

    def _answered(self) -> None:
        if self._down_since is not None:
            logger.warning("beat: the database answers again after %.0f s", time.monotonic() - self._down_since)
            self._down_since, self._retry = None, RETRY_FIRST

    def _failed(self, error: Exception) -> float:
        self._failed_this_tick = True
        if self._down_since is None:
            self._down_since = time.monotonic()
            logger.error("beat: the database does not answer (%s); retrying", str(error).strip().splitlines()[0])
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
            except (DatabaseError, InterfaceError):
                pass
        delay, self._retry = self._retry, min(self._retry * 2, RETRY_MOST)
        return delay
