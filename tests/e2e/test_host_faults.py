"""The host as the operator runs it (`scripts/serve.sh`: gunicorn, the workers, the relay loop and
beat, debug off) rides out faults by itself (issue 25, availability):

- PostgreSQL gone for 10 s (a relay of the test's own in front of it refuses and cuts every
  connection): cached reads are still answered, the rest is a 503 with `Retry-After`, beat and
  every other role stay up, and the host answers normally within 5 s of the database's return
  with nobody touching it;
- a role that dies is started again (logged, with back-off) and the host stays up; only SIGTERM
  stops it, gracefully.
"""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bench.common import free_port, wait_for
from tests.e2e.relay import Relay

from .conftest import PYTHON, ROOT

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="a database the test can cut: runs with DATABASE_URL=postgres://... (CI's services pass)",
)


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)
    except OSError:
        return 0, {}


@contextmanager
def serve(env: dict[str, str], log: Path):
    """scripts/serve.sh with every role, in a session of its own; yields (process, base URL)."""
    port = free_port()
    env = {
        **env,
        "PORTAL_PORT": str(port),
        "PORTAL_HOST": "127.0.0.1",
        "PORTAL_BIN": str(Path(PYTHON).parent),
        "WEB_CONCURRENCY": "2",
        "WORKER_RAIL_CONCURRENCY": "1",
        "WORKER_OUTBOX_CONCURRENCY": "1",
        "WORKER_RENDITIONS_CONCURRENCY": "1",
        "WORKER_DEFAULT_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
    }
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["bash", "scripts/serve.sh"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/readyz", timeout=90)
            yield process, base
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            subprocess.run(["pkill", "-KILL", "-s", str(process.pid)], check=False)


@pytest.fixture
def relayed(site_env):
    url = urlsplit(site_env["DATABASE_URL"])
    relay = Relay((url.hostname or "127.0.0.1", url.port or 5432))
    relay.accept()
    env = {**site_env, "DATABASE_URL": url._replace(netloc=f"{url.username}@127.0.0.1:{relay.port}").geturl()}
    yield relay, env
    relay.refuse()


def test_a_ten_second_database_outage_leaves_the_host_up_and_it_recovers_by_itself(relayed, tmp_path):
    relay, env = relayed
    log = tmp_path / "serve.log"
    with serve(env, log) as (host, base):
        cached = f"{base}/api/v1/articles/"
        assert get(cached)[0] == 200 and get(cached)[0] == 200  # kept in the answer cache
        beats_before = _processes(host.pid, "portal beat")

        relay.refuse()
        outage_ends = time.monotonic() + 10
        answers, n = [], 0
        while time.monotonic() < outage_ends:
            n += 1
            answers.append(("cached", *get(cached)))
            answers.append(("uncached", *get(f"{base}/api/v1/articles/?page_size={n % 90 + 5}")))
            time.sleep(0.5)
        assert host.poll() is None, log.read_text()[-3000:]
        relay.accept()
        back = time.monotonic()
        while get(f"{base}/api/v1/articles/?page_size=99")[0] != 200 and time.monotonic() - back < 30:
            time.sleep(0.1)
        recovered_in = time.monotonic() - back
        ready = get(f"{base}/readyz")[0]
        print(f"recovered {recovered_in:.2f} s after the database came back")

        cached_statuses = {status for kind, status, _ in answers if kind == "cached"}
        uncached = [(status, headers) for kind, status, headers in answers if kind == "uncached"]
        assert cached_statuses == {200}
        assert uncached and all(status == 503 and int(headers["Retry-After"]) > 0 for status, headers in uncached)
        assert recovered_in < 5 and ready == 200
        # Nothing died and nothing was restarted: beat rode the outage out itself, and schedules again.
        deadline = time.monotonic() + 15
        while "beat: the database answers again" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log.read_text()
        assert "exited" not in text, text[-3000:]
        assert "beat: the database does not answer" in text and "beat: the database answers again" in text
        assert _processes(host.pid, "portal beat") == beats_before != []
        assert host.poll() is None

        host.send_signal(signal.SIGTERM)
        assert host.wait(timeout=60) == 0
    assert "serve: stopped" in log.read_text()


def test_a_role_that_dies_is_started_again_and_only_sigterm_stops_the_host(relayed, tmp_path):
    _, env = relayed
    log = tmp_path / "serve.log"
    with serve(env, log) as (host, base):
        (master,) = _processes(host.pid, "gunicorn", oldest=True)
        os.kill(master, signal.SIGKILL)  # the web role dies (its workers follow)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            not _processes(host.pid, "gunicorn", oldest=True)
            or _processes(host.pid, "gunicorn", oldest=True) == [master]
        ):
            time.sleep(0.2)
        wait_for(f"{base}/healthz", timeout=60)

        assert host.poll() is None
        assert "serve: web exited" in log.read_text()
        assert get(f"{base}/api/v1/articles/")[0] == 200

        host.send_signal(signal.SIGTERM)
        assert host.wait(timeout=60) == 0
    assert _processes(host.pid, "") == []  # nothing of the host's is left running


def _processes(session: int, pattern: str, *, oldest: bool = False) -> list[int]:
    """Process ids in the host's session whose command line contains `pattern`."""
    found = subprocess.run(
        ["pgrep", *(["-o"] if oldest else []), "-s", str(session), "-f", pattern or "."],
        capture_output=True,
        text=True,
    ).stdout.split()
    return sorted(int(pid) for pid in found)
