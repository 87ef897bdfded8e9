"""A PostgreSQL primary and a streaming hot standby of it, in a temporary directory, for tests and
benchmarks: initdb, pg_basebackup, two postmasters on spare ports."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from .common import free_port


def available() -> bool:
    return bool(_bin("initdb") and _bin("pg_basebackup") and _bin("pg_ctl"))


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    return None


class StreamingPair:
    """`start()` makes and starts both; `stop()` removes everything. URLs name a database on each."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="portal-pg-"))
        self.primary_port = free_port()
        self.replica_port = free_port()
        # PostgreSQL will not run as root: the servers run as the `postgres` account then.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")

    def _run(self, *command: str, **kwargs) -> subprocess.CompletedProcess:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True, **kwargs)
        if done.returncode != 0:  # say why: initdb's and pg_ctl's reasons are on their output
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{(done.stderr + done.stdout)[-2000:]}"
            )
        return done

    def url(self, database: str, *, replica: bool = False) -> str:
        return f"postgres://postgres@127.0.0.1:{self.replica_port if replica else self.primary_port}/{database}"

    def start(self) -> StreamingPair:
        primary, replica = self.root / "primary", self.root / "replica"
        self._run(_bin("initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        with open(primary / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.primary_port}\n"
                f"unix_socket_directories = '{self.root}'\nwal_level = replica\nmax_wal_senders = 5\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n"
            )
        with open(primary / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self._run(_bin("pg_ctl"), "-D", str(primary), "-l", str(self.root / "primary.log"), "-w", "start")
        self._run(
            _bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
            "-D", str(replica), "-R", "-X", "stream",
        )  # fmt: skip
        with open(replica / "postgresql.conf", "a") as conf:
            conf.write(f"port = {self.replica_port}\nhot_standby = on\nhot_standby_feedback = on\n")
        self.start_replica()
        return self

    def start_replica(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.root / "replica"), "-l", str(self.root / "replica.log"), "-w", "start")

    def stop_replica(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.root / "replica"), "-m", "immediate", "-w", "stop")

    def sql(self, statement: str, *, replica: bool = False, database: str = "postgres") -> str:
        port = self.replica_port if replica else self.primary_port
        done = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database, "-Atqc", statement],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def create_database(self, name: str) -> None:
        self.sql(f"CREATE DATABASE {name}")
        deadline = time.monotonic() + 10
        while self.sql(f"SELECT count(*) FROM pg_database WHERE datname = '{name}'", replica=True) != "1":
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not receive the new database")
            time.sleep(0.05)

    def caught_up(self, timeout: float = 10) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        target = self.sql("SELECT pg_current_wal_lsn()")
        deadline = time.monotonic() + timeout
        while self.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", replica=True) != "t":
            if time.monotonic() > deadline:
                raise RuntimeError("the replica did not catch up")
            time.sleep(0.02)

    def stop(self) -> None:
        for folder in ("replica", "primary"):
            if (self.root / folder / "postmaster.pid").exists():
                subprocess.run(
                    [*self.as_user, _bin("pg_ctl"), "-D", str(self.root / folder), "-m", "immediate", "-w", "stop"],
                    capture_output=True,
                )
        shutil.rmtree(self.root, ignore_errors=True)
