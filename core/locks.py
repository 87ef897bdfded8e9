"""Locks that die with their holder.

A lock kept in the cache with a timeout outlives a worker killed with SIGKILL: the work it guards
is then skipped until the timeout runs out. These locks are released by the operating system or
the database the moment the process holding them is gone:

- on PostgreSQL, a session advisory lock (held by the connection; every machine sharing the
  database sees it);
- on SQLite, which only serves one machine, an exclusive `flock` on a file under `VAR_DIR/locks`.
"""

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def _key(name: str) -> int:
    """A signed 64-bit number for `name`, as `pg_try_advisory_lock` takes."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def held(name: str) -> Iterator[bool]:
    """Try to take the lock `name` without waiting; yields whether this process holds it."""
    if connection.vendor == "postgresql":
        with _advisory(name) as taken:
            yield taken
    else:
        with _flocked(name) as taken:
            yield taken


@contextmanager
def _advisory(name: str) -> Iterator[bool]:
    key = _key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken and connection.connection is not None and connection.is_usable():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        # A connection lost meanwhile took the lock with it.


@contextmanager
def _flocked(name: str) -> Iterator[bool]:
    folder = settings.VAR_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / f"{hashlib.blake2b(name.encode(), digest_size=8).hexdigest()}.lock", os.O_RDWR | os.O_CREAT)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
