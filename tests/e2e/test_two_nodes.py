"""Two nodes on one machine, as a deployment runs them: `scripts/serve.sh` twice, each with its own
gunicorn, process caches and disk (PORTAL_VAR_DIR), node A with a worker per queue and beat,
node B web only; sharing a PostgreSQL primary and streaming replica, Redis and object storage."""

import json
import os
import signal
import subprocess
import time
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import redis

from bench import pg_pair, s3
from bench.common import edit_article, free_port, login, wait_for
from bench.common import http_json as call

from .conftest import PYTHON, ROOT, jpeg_photo, multipart

REDIS_DB = 12

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not pg_pair.available(), reason="PostgreSQL's server programs are not installed"),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"),
        reason="a deployment's services: runs with DATABASE_URL=postgres://... and REDIS_URL",
    ),
]


@contextmanager
def node(env: dict, name: str, roles: str, port: int, tmp_path: Path):
    env = {
        **env,
        "SERVE_ROLES": roles,
        "PORTAL_PORT": str(port),
        "PORTAL_VAR_DIR": str(tmp_path / name),
        "PORTAL_BIN": str(Path(PYTHON).parent),
    }
    log = (tmp_path / f"{name}.log").open("w")
    serve = subprocess.Popen(
        ["bash", "scripts/serve.sh"], cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", timeout=90)
        yield f"http://127.0.0.1:{port}"
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        log.close()


def test_two_nodes_share_photos_edits_and_the_rail(tmp_path):
    port_a, port_b = free_port(), free_port()
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    with ExitStack() as stack:
        pair = pg_pair.StreamingPair().start()
        stack.callback(pair.stop)
        endpoint = stack.enter_context(s3.moto_server())
        pair.create_database("portal")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")}
        env.update(
            {
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": "two-nodes-secret",
                "LOG_LEVEL": "WARNING",
                "DATABASE_URL": pair.url("portal"),
                "DATABASE_REPLICA_URLS": pair.url("portal", replica=True),
                "REDIS_URL": redis_url,
                "MEDIA_STORAGE_URL": s3.storage_url(endpoint, "portal-media"),
                # The load balancer's address; rendition URLs start with it.
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port_b}",
                "TRENDING_TRUSTED_SENDERS": "127.0.0.1",
                "WEB_CONCURRENCY": "2",
                "GUNICORN_THREADS": "2",
                "WORKER_RAIL_CONCURRENCY": "1",
                "WORKER_OUTBOX_CONCURRENCY": "1",
                "WORKER_RENDITIONS_CONCURRENCY": "1",
                "WORKER_DEFAULT_CONCURRENCY": "1",
            }
        )
        setup = {**env, "PORTAL_VAR_DIR": str(tmp_path / "setup")}
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=setup, check=True)
        subprocess.run(
            [PYTHON, "manage.py", "load_demo", "--i-know-this-is-production", "--articles", "6"],
            cwd=ROOT,
            env=setup,
            check=True,
            capture_output=True,
        )
        a = stack.enter_context(node(env, "a", "web,workers,beat", port_a, tmp_path))
        b = stack.enter_context(node(env, "b", "web", port_b, tmp_path))
        stack.callback(store.flushdb)

        # A photo uploaded through node A is served through node B, whose disk never saw it.
        photographer = login(a, "photo", "portal-photo")
        body, content_type = multipart({"alt": "两个节点", "caption": "经节点甲上传"}, jpeg_photo())
        request = urllib.request.Request(
            f"{a}/api/v1/editor/images/",
            data=body,
            method="POST",
            headers={**photographer, "Content-Type": content_type},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201
            image_id = json.loads(response.read())["id"]
        deadline = time.monotonic() + 60
        while True:
            image = call("GET", f"{b}/api/v1/editor/images/{image_id}/", headers=photographer)[2]
            if image["renditions_ready"]:
                break
            assert time.monotonic() < deadline, "node A's photo worker made no renditions in 60 s"
            time.sleep(0.5)
        rendition = next(r for r in image["renditions"] if r["format"] == "jpeg")
        assert rendition["url"].startswith(f"{b}/uploads/renditions/")
        with urllib.request.urlopen(rendition["url"], timeout=10) as served:
            assert served.status == 200 and served.headers["Content-Type"] == "image/jpeg"
            assert served.read()[:3] == b"\xff\xd8\xff"
        assert not list((tmp_path / "b").rglob("*.jpg")) and not list((tmp_path / "a").rglob("*.jpg"))

        # An edit saved through A is fresh through B within 1 s, however hot B's copy was.
        editor = login(a, "editor", "portal-editor")
        article = call("GET", f"{b}/api/v1/articles/")[2]["results"][0]["id"]
        for _ in range(20):
            assert call("GET", f"{b}/api/v1/articles/{article}/")[0] == 200
        status, _ = edit_article(a, editor, article, {"title": "节点甲改，节点乙读"})
        saved = time.monotonic()
        assert status == 200
        while call("GET", f"{b}/api/v1/articles/{article}/")[2]["title"] != "节点甲改，节点乙读":
            assert time.monotonic() - saved < 1, "node B still showed the old title 1 s after the save"
            time.sleep(0.02)

        # Views sent to A reach the rail both nodes show, and they show the same one.
        agent = {"User-Agent": "Mozilla/5.0 (Android 14; Mobile) Chrome/131.0 Mobile Safari/537.36"}
        target = article  # the newest, which the rail counts
        before = {item["article"]["id"]: item["score"] for item in call("GET", f"{b}/api/v1/trending/")[2]["items"]}
        for _batch in range(2):
            events = [{"article": target, "visitor": f"two-nodes-{uuid.uuid4().hex}"} for _ in range(100)]
            status, _, tally = call("POST", f"{a}/api/v1/trending/events/", {"events": events}, agent)
            assert (status, tally["accepted"]) == (202, 100), tally
        deadline = time.monotonic() + 40
        while True:
            rails = [call("GET", f"{base}/api/v1/trending/")[2] for base in (a, b, a, b)]
            scores = [{item["article"]["id"]: item["score"] for item in rail["items"]}.get(target, 0) for rail in rails]
            if all(score > before.get(target, 0) for score in scores):
                break
            assert time.monotonic() < deadline, f"the views did not reach the rail on both nodes: {scores}"
            time.sleep(1)
        time.sleep(1)  # past each process's own copy
        rail_a, rail_b = (call("GET", f"{base}/api/v1/trending/")[2] for base in (a, b))
        assert rail_a["generated_at"] == rail_b["generated_at"]
        assert [item["article"]["id"] for item in rail_a["items"]] == [
            item["article"]["id"] for item in rail_b["items"]
        ]
