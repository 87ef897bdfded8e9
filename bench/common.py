"""Helpers for benchmarks: a real gunicorn on its own database, driven by wrk from outside."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def services_env(embedded: bool | None = None) -> tuple[dict[str, str], str]:
    """PostgreSQL and Redis when this machine has them (production's shape), else embedded;
    `embedded` True asks for the embedded setup (as BENCH_EMBEDDED=1 does)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "bench-only-secret", "LOG_LEVEL": "WARNING"})
    env["PORTAL_VAR_DIR"] = tempfile.mkdtemp(prefix="portal-bench-")  # uploads and broker stay out of var/
    pg = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    if embedded is None:
        embedded = bool(os.environ.get("BENCH_EMBEDDED"))
    if _reachable(5432) and _reachable(6379) and not embedded:
        env.update({"DATABASE_URL": pg, "REDIS_URL": redis_url, "CACHE_KEY_PREFIX": "bench"})
        return env, "PostgreSQL + Redis"
    return env, "embedded (SQLite + file cache)"


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def recreate_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, capture_output=True)


def analyze(env: dict[str, str]) -> None:
    """Refresh the planner's statistics after a bulk load, as autovacuum would on a live site."""
    url = env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", name, "-qc", "ANALYZE"], check=True)
    else:
        manage(env, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, threads: int = 1):
    """A gunicorn with `workers` workers (sync, or gthread with `threads` each, as
    deploy/gunicorn.conf.py runs them); yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--backlog",
            "2048",
            *(["--threads", str(threads)] if threads > 1 else []),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        yield base
    finally:
        process.terminate()  # the master stops its workers gracefully
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


VCL = ROOT / "deploy" / "varnish" / "portal.vcl"
VARNISH_MISSING = "no Varnish here: install Debian's varnish and varnish-modules (.ci/run does)"


def varnish_installed() -> bool:
    return shutil.which("varnishd") is not None and shutil.which("varnishstat") is not None


class Varnish:
    """A varnishd of its own (work folder, port) in front of one backend, with the project's VCL."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.base = f"http://127.0.0.1:{port}"

    def counters(self, *names: str) -> dict[str, int]:
        """Varnish's own counters (`MAIN.cache_hit`, `MAIN.backend_req`...)."""
        done = subprocess.run(
            ["varnishstat", "-n", str(self.folder), "-1", "-j", *(arg for n in names for arg in ("-f", n))],
            check=True,
            capture_output=True,
            text=True,
        )
        found = json.loads(done.stdout)
        found = found.get("counters", found)  # the JSON of Varnish 6.5+ nests them
        return {name: int(found[name]["value"]) for name in names}


@contextmanager
def varnish(backend: str, *, port: int | None = None):
    """Debian's varnishd in the foreground with deploy/varnish/portal.vcl, in front of the gunicorn
    at `backend` (http://127.0.0.1:PORT); yields a `Varnish`. Stopped with its work folder."""
    backend_port = backend.rsplit(":", 1)[1].strip("/")
    port = port or free_port()
    folder = Path(tempfile.mkdtemp(prefix="portal-varnish-"))
    vcl = folder / "site.vcl"
    vcl.write_text(
        "vcl 4.1;\n"
        f'include "{VCL}";\n'
        f'backend default {{ .host = "127.0.0.1"; .port = "{backend_port}"; .probe = portal_health; }}\n'
    )
    process = subprocess.Popen(
        # -F: foreground; -j none: no jail (runs as the caller, root or not); a small cache.
        [
            "varnishd",
            "-F",
            "-j",
            "none",
            "-n",
            str(folder / "work"),
            "-a",
            f"127.0.0.1:{port}",
            "-f",
            str(vcl),
            "-s",
            "malloc,128m",
            "-p",
            "thread_pool_min=20",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    cache = Varnish(folder / "work", port)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"varnishd stopped: {process.stderr.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{cache.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("varnishd did not answer in 30 s")
            time.sleep(0.2)
        yield cache
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def require_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is not installed: `make bench` installs it from Debian's packages (apt-get install wrk)")
    return path


def wrk(url: str, *, seconds: int, connections: int = 16, threads: int = 1, script: str | None = None) -> float:
    """Requests per second that wrk measured, failing on any non-2xx/3xx answer."""
    command = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"errors while loading {url}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    return float(match.group(1))


def rotating_paths_script(paths: list[str]) -> str:
    """A wrk Lua script that requests `paths` in turn."""
    return _paths_script(paths, "local i = 0\n", "  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\n")


def random_paths_script(paths: list[str], seed: int) -> str:
    """A wrk Lua script that requests one of `paths` chosen uniformly at random each time."""
    return _paths_script(
        paths, f"math.randomseed({seed})\n", "  return wrk.format('GET', paths[math.random(#paths)])\n"
    )


def _paths_script(paths: list[str], setup: str, pick: str) -> str:
    body = ",".join(f'"{p}"' for p in paths)
    script = f"local paths = {{{body}}}\n{setup}request = function()\n{pick}end\n"
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    handle.write(script)
    handle.close()
    return handle.name


def http_json(method: str, url: str, body: dict | None = None, headers: dict | None = None):
    """(status, headers, parsed JSON or None) for one request."""
    import json

    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else None


def login(base: str, username: str, password: str) -> dict[str, str]:
    """The Authorization header of a fresh API token for that account."""
    status, _, body = http_json("POST", f"{base}/api/v1/auth/token/", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"login as {username} failed: {status} {body}")
    return {"Authorization": f"Token {body['token']}"}


def edit_article(base: str, headers: dict[str, str], article_id: int, changes: dict):
    """PATCH an article through the editor API as an editor does: with the ETag just read.
    Returns (status, response headers)."""
    url = f"{base}/api/v1/editor/articles/{article_id}/"
    etag = http_json("GET", url, headers=headers)[1]["ETag"]
    status, answer_headers, _ = http_json("PATCH", url, changes, {**headers, "If-Match": etag})
    return status, answer_headers


def run_child(script: str, env: dict[str, str], mode: str, *args) -> dict:
    """Run `script child <mode> <args as JSON>` on the benchmark's database (its own process, as
    an editor's or a worker's would be) and return the JSON it prints last."""
    done = subprocess.run(
        [PYTHON, script, "child", mode, json.dumps(args)], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


REDIS_SERVER = shutil.which("redis-server")


class OwnRedis:
    """redis-server on a free port with an append-only file in a temporary folder: stopped with
    SHUTDOWN (as a service restart does, writing its data) and started again from that folder."""

    def __init__(self, folder) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        command += ["--appendonly", "yes", "--save", "", "--daemonize", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port, socket_connect_timeout=0.2).ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        try:
            redis.Redis(port=self.port).shutdown()
        except redis.ConnectionError:
            pass  # it closes the connection as it goes
        self.process.wait(timeout=10)
