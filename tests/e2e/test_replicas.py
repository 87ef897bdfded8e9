"""End to end: gunicorn on a real PostgreSQL primary with a streaming hot standby the test starts.

Which server answered is read off the standby itself: `pg_stat_activity` keeps each backend's
last statement, so a read that reached the replica leaves an `articles_` query there.
"""

import os
import signal
import subprocess
import time
import urllib.request
import uuid
from contextlib import contextmanager

import pytest

from bench import pg_pair
from bench.common import edit_article, gunicorn, login
from bench.common import http_json as call

from .conftest import PYTHON, ROOT, process_env

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not pg_pair.available(), reason="PostgreSQL's server programs are not installed"),
    # Once per CI run, in the PostgreSQL pass (it starts its own servers either way).
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="replicas are PostgreSQL's: runs with DATABASE_URL=postgres://...",
    ),
]


@pytest.fixture(scope="module")
def pair():
    started = pg_pair.StreamingPair().start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def replica_env(pair, tmp_path):
    database = f"portal_{uuid.uuid4().hex[:8]}"
    pair.create_database(database)
    env = process_env(tmp_path)
    env.update(
        {
            "DATABASE_URL": pair.url(database),
            "DATABASE_REPLICA_URLS": pair.url(database, replica=True),
            "REPLICA_MAX_LAG_SECONDS": "1.5",
            "REPLICA_RETRY_SECONDS": "1",
        }
    )
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PYTHON, "manage.py", "load_demo", "--i-know-this-is-production", "--articles", "6"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    pair.caught_up()
    env["E2E_DATABASE"] = database
    return env


@contextmanager
def replica_reads(pair, database):
    """Yields a list that, on leaving, holds whether article rows were read on the replica."""
    since = pair.sql("SELECT now()", replica=True)
    seen: list[bool] = []
    yield seen
    time.sleep(0.05)  # the backend records its statement as it starts it
    seen.append(
        pair.sql(
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            f"AND datname = '{database}' AND query_start > '{since}' AND query ILIKE '%articles\\_%'",
            replica=True,
        )
        == "t"
    )


def test_public_reads_use_the_replica_and_editors_read_their_own_writes(pair, replica_env):
    database = replica_env["E2E_DATABASE"]
    with gunicorn(replica_env, workers=2) as base:
        editor = login(base, "editor", "portal-editor")
        listed = call("GET", f"{base}/api/v1/articles/")[2]["results"]
        first, second, third = (item["id"] for item in listed[:3])

        # A reader's view event is a write, but pins nobody to the primary.
        agent = {"User-Agent": "Mozilla/5.0 (Android 14; Mobile) Chrome/131.0 Mobile Safari/537.36"}
        event = {"events": [{"article": first, "visitor": "e2e-replica-reader"}]}
        status, headers, _ = call("POST", f"{base}/api/v1/trending/events/", event, agent)
        assert status == 202 and "Set-Cookie" not in headers

        # A reader's detail read is served by the replica.
        with replica_reads(pair, database) as on_replica:
            assert call("GET", f"{base}/api/v1/articles/{first}/")[0] == 200
        assert on_replica == [True]

        # An editor's read goes to the primary, even of a public address.
        with replica_reads(pair, database) as on_replica:
            assert call("GET", f"{base}/api/v1/editor/articles/{second}/", headers=editor)[0] == 200
            assert call("GET", f"{base}/api/v1/articles/{third}/", headers=editor)[0] == 200
        assert on_replica == [False]

        # A save is visible to the next reader at once: purges wait until the replica has it, so
        # no answer is rebuilt from a replica without the change. The writer is pinned to the primary.
        status, headers = edit_article(base, editor, first, {"title": "副本上的新标题"})
        assert status == 200
        assert "portal_primary=" in headers.get("Set-Cookie", "")
        time.sleep(1.2)  # past every process's own copy of hot answers (API_LOCAL_CACHE_SECONDS)
        with replica_reads(pair, database) as on_replica:
            assert call("GET", f"{base}/api/v1/articles/{first}/")[2]["title"] == "副本上的新标题"
        assert on_replica == [True]
        with replica_reads(pair, database) as on_replica:
            pinned = {"Cookie": "portal_primary=1"}
            assert call("GET", f"{base}/api/v1/articles/{second}/", headers=pinned)[0] == 200
        assert on_replica == [False]

        # A replica that stops replaying is left out: readers get the change from the primary.
        pair.sql("SELECT pg_wal_replay_pause()", replica=True)
        try:
            started = time.monotonic()
            status, _ = edit_article(base, editor, second, {"title": "主库才有的标题"})
            assert status == 200
            assert (
                time.monotonic() - started < 1.5 + 2
            )  # the save waits for the lagging replica no longer than the limit
            time.sleep(1.2)
            with replica_reads(pair, database) as on_replica:
                titles = {call("GET", f"{base}/api/v1/articles/{second}/")[2]["title"] for _ in range(6)}
            assert titles == {"主库才有的标题"}
            assert on_replica == [False]
        finally:
            pair.sql("SELECT pg_wal_replay_resume()", replica=True)
        # Caught up again, it serves readers again.
        pair.caught_up()
        time.sleep(2.2)
        with replica_reads(pair, database) as on_replica:
            for number in range(4):
                assert call("GET", f"{base}/api/v1/articles/?page_size={number + 2}")[0] == 200
        assert on_replica == [True]

        # A replica that goes down costs readers nothing: each read runs again on the primary.
        pair.stop_replica()
        try:
            statuses = [call("GET", f"{base}/api/v1/articles/{third}/?v={n}")[0] for n in range(3)]
            statuses.append(call("GET", f"{base}/api/v1/sections/")[0])
            with urllib.request.urlopen(f"{base}/sitemap.xml", timeout=10) as sitemap:
                statuses.append(sitemap.status)
            assert set(statuses) == {200}, statuses
        finally:
            pair.start_replica()


def test_a_purge_waits_until_the_replica_has_the_change(pair, replica_env):
    # The replica applies each commit 1.5 s late: within the 3 s allowed, readers keep using it.
    database = replica_env["E2E_DATABASE"]
    replica_env["REPLICA_MAX_LAG_SECONDS"] = "3"
    pair.sql("ALTER SYSTEM SET recovery_min_apply_delay = '1500ms'", replica=True)
    pair.sql("SELECT pg_reload_conf()", replica=True)
    try:
        with gunicorn(replica_env, workers=1) as base:
            editor = login(base, "editor", "portal-editor")
            article = call("GET", f"{base}/api/v1/articles/")[2]["results"][0]["id"]
            time.sleep(2)
            assert call("GET", f"{base}/api/v1/articles/{article}/")[2]["title"] != "延迟副本上的标题"

            started = time.monotonic()
            status, _ = edit_article(base, editor, article, {"title": "延迟副本上的标题"})
            waited = time.monotonic() - started

            assert status == 200
            with replica_reads(pair, database) as on_replica:
                assert call("GET", f"{base}/api/v1/articles/{article}/")[2]["title"] == "延迟副本上的标题"
            assert on_replica == [True]
            assert 1.2 < waited < 3, waited  # the save's purge waited for the replica, not past the limit
    finally:
        pair.sql("ALTER SYSTEM RESET recovery_min_apply_delay", replica=True)
        pair.sql("SELECT pg_reload_conf()", replica=True)


@contextmanager
def relay_to(port: int):
    """A TCP relay process in front of `port`, which the test freezes with SIGSTOP."""
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "tests" / "e2e" / "relay.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        yield process, int(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait(timeout=10)


def test_a_replica_that_stops_answering_is_left_out_within_the_timeout(pair, replica_env):
    database = replica_env["E2E_DATABASE"]
    with relay_to(pair.replica_port) as (relay, port):
        env = {
            **replica_env,
            "DATABASE_REPLICA_URLS": f"postgres://postgres@127.0.0.1:{port}/{database}",
            "DATABASE_REPLICA_TIMEOUT": "0.5",
            "REPLICA_RETRY_SECONDS": "2",
        }
        with gunicorn(env, workers=2) as base:
            first = call("GET", f"{base}/api/v1/articles/")[2]["results"][0]["id"]
            with replica_reads(pair, database) as on_replica:
                for n in range(4):
                    assert call("GET", f"{base}/api/v1/articles/{first}/?warm={n}")[0] == 200
            assert on_replica == [True]

            relay.send_signal(signal.SIGSTOP)  # accepts connections, acknowledges data, answers nothing
            timings, statuses = [], []
            for n in range(16):
                started = time.monotonic()
                statuses.append(call("GET", f"{base}/api/v1/articles/{first}/?frozen={n}")[0])
                timings.append(time.monotonic() - started)
            print(f"reads while the replica is frozen: {[round(t, 2) for t in timings]}")

            assert set(statuses) == {200}  # every read answered, from the primary
            # Each process loses at most DATABASE_REPLICA_TIMEOUT (+ the watchdog's grace) on a
            # read now and then, never the 18 s a frozen replica used to hold every reader.
            assert max(timings) < 2.5, timings
            assert sorted(timings)[len(timings) // 2] < 0.5, timings

            relay.send_signal(signal.SIGCONT)
            deadline = time.monotonic() + 15
            back = [False]
            while not back[0] and time.monotonic() < deadline:
                with replica_reads(pair, database) as back:
                    for n in range(4):
                        call("GET", f"{base}/api/v1/articles/{first}/?back={time.monotonic()}-{n}")
                time.sleep(0.2)
            assert back[0], "the replica did not serve readers again once it answered"
