"""`bench/distribution.py`: webhooks from publish to receiver, a fan-out to 1,000 endpoints, and
the Google News sitemap of 2,500 articles.

Real processes: two Celery workers (one process each) deliver; a receiver in a process of its
own logs the arrival of every webhook; the publishing happens in a third process, through the
services, as an editor's save does. Printed, with the baseline of the same run (a plain POST to
the same receiver, and gunicorn's trivial endpoint for the sitemap):
- publish to first webhook attempt, p95 (target 2 s);
- publish to fresh through Varnish, p95 (target 1 s): Debian's varnishd with deploy/varnish/
  portal.vcl in front of gunicorn, purged by the workers; each sample's article page (read
  early, a cached 404) and the front page list (cached) are read through Varnish until both
  show it;
- 1,000 subscribed endpoints: a publish fanned out to all of them, seconds (target 30 s);
- the news sitemap of 2,500 articles of the last 48 hours: its three files (and index), each
  checked against the schemas in tests/distribution/schemas/, and the time to generate them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    PYTHON,
    ROOT,
    free_port,
    gunicorn,
    manage,
    recreate_postgres_database,
    run_child,
    services_env,
    varnish,
    varnish_installed,
)

SCHEMAS = ROOT / "tests" / "distribution" / "schemas"
ENDPOINTS = 1000
SAMPLES = 20
NEWS = 2500


# --- the receiver (a process of its own) -----------------------------------------------------


def receiver(port: int, log: str) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    out = open(log, "a", buffering=1)  # noqa: SIM115 (open for the life of the process)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            arrived = time.time()
            try:
                article = json.loads(body)["data"].get("id")
            except (ValueError, KeyError, AttributeError):
                article = None
            out.write(json.dumps([arrived, self.path, self.headers.get("webhook-id"), article]) + "\n")
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 2048
    server.serve_forever()


def _arrivals(log: str) -> list[list]:
    with open(log) as f:
        return [json.loads(line) for line in f if line.strip()]


# --- children on the benchmark's database ------------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _editor():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core.roles import EDITOR

    user, _ = get_user_model().objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name=EDITOR))
    return user


def _wait(log: str, check, timeout: float = 60) -> list[list]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check(_arrivals(log))
        if found:
            return found
        time.sleep(0.01)
    raise RuntimeError("the receiver did not get what was expected in time")


def child_publish(base: str, log: str) -> dict:
    _django()
    from articles import services
    from distribution import services as distribution

    editor = _editor()
    distribution.endpoint_create(by=editor, url=f"{base}/p", events=["article.published"])
    waits = []
    for n in range(SAMPLES):
        article = services.article_create(by=editor, title=f"第{n}条快讯：里海航运恢复", body=[])
        started = time.time()
        services.article_publish(article_id=article.pk, by=editor)
        found = _wait(log, lambda rows, pk=article.pk: [r for r in rows if r[1] == "/p" and r[3] == pk])
        waits.append(found[0][0] - started)
        time.sleep(0.2)
    waits.sort()
    return {"p95_ms": waits[int(len(waits) * 0.95) - 1] * 1000, "p50_ms": waits[len(waits) // 2] * 1000}


def child_fanout(base: str, log: str) -> dict:
    _django()
    from articles import services
    from distribution.models import Endpoint

    editor = _editor()
    Endpoint.objects.update(active=False)
    Endpoint.objects.bulk_create(
        Endpoint(url=f"{base}/f{n}", events=["article.published"], created_by=editor) for n in range(ENDPOINTS)
    )
    article = services.article_create(by=editor, title="扇出：一千个订阅方", body=[])
    started = time.time()
    services.article_publish(article_id=article.pk, by=editor)

    def all_there(rows):
        hits = [r for r in rows if r[1].startswith("/f") and r[3] == article.pk]
        return hits if len({r[1] for r in hits}) >= ENDPOINTS else None

    found = _wait(log, all_there, timeout=120)
    return {"seconds": max(r[0] for r in found) - started, "deliveries": len(found)}


def _read(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def child_varnish(cdn: str) -> dict:
    """Publish SAMPLES articles as an editor's save does; after each, read its page and the front
    page through Varnish until both show it."""
    _django()
    from articles import services
    from distribution.models import Endpoint

    editor = _editor()
    Endpoint.objects.update(active=False)  # the fan-out's thousand receivers are not measured here
    front = f"{cdn}/api/v1/articles/"
    waits = []
    for n in range(SAMPLES):
        article = services.article_create(by=editor, title=f"第{n}条：经缓存发布", body=[])
        page = f"{cdn}/api/v1/articles/{article.pk}/"
        for _ in range(2):  # both in the cache now: the page as a 404, the front page without it
            assert _read(page)[0] == 404
            _read(front)
        marker = f'"id":{article.pk},'.encode()
        started = time.time()
        services.article_publish(article_id=article.pk, by=editor)
        while not (_read(page)[0] == 200 and marker in _read(front)[1]):
            if time.time() - started > 30:
                raise RuntimeError("not fresh through Varnish 30 s after publishing")
            time.sleep(0.005)
        waits.append(time.time() - started)
        time.sleep(0.3)
    waits.sort()
    return {"p95_ms": waits[int(len(waits) * 0.95) - 1] * 1000, "p50_ms": waits[len(waits) // 2] * 1000}


def child_news(count: int) -> dict:
    _django()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from articles.models import Article

    now = timezone.now()
    with transaction.atomic():
        Article.objects.bulk_create(
            Article(
                title=f"新闻 {n}：港口航运与能源合作",
                slug=f"news-{n}",
                status=Article.Status.PUBLISHED,
                published_at=now - timedelta(seconds=60 * 47 * n // max(1, count // 60)),
                first_published_at=now - timedelta(seconds=60 * 47 * n // max(1, count // 60)),
            )
            for n in range(count)
        )
    return {"made": count}


def _child(env: dict, mode: str, *args) -> dict:
    return run_child(__file__, env, mode, *args)


# --- the parent ----------------------------------------------------------------------------------


@contextmanager
def processes(commands: list[list[str]], env: dict):
    started = [
        subprocess.Popen(c, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL) for c in commands
    ]
    try:
        yield started
    finally:
        for p in started:
            p.terminate()
        for p in started:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _post_p95(url: str, count: int = 200) -> float:
    times = []
    for _ in range(count):
        request = urllib.request.Request(url, data=b'{"data": {}}', method="POST")
        started = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            response.read()
        times.append(time.perf_counter() - started)
    times.sort()
    return times[int(len(times) * 0.95) - 1] * 1000


def _get(url: str) -> tuple[bytes, float]:
    started = time.perf_counter()
    with urllib.request.urlopen(url) as response:
        body = response.read()
    return body, time.perf_counter() - started


def through_varnish(env: dict, workers: list[list[str]]) -> dict:
    """gunicorn, Varnish in front and the two workers purging it; the publishing child reads."""
    port = free_port()
    env = {**env, "PURGE_BACKEND": "distribution.purge.Varnish", "PURGE_VARNISH_URLS": f"http://127.0.0.1:{port}"}
    with processes(workers, env), gunicorn(env, workers=2) as backend, varnish(backend, port=port) as cache:
        time.sleep(6)  # the workers connect to the broker
        trivial = sorted(_get(f"{cache.base}/healthz")[1] for _ in range(200))[189] * 1000  # passed to gunicorn
        found = _child(env, "varnish", cache.base)
    return {**found, "trivial_ms": trivial}


def sitemap(env: dict) -> dict:
    from lxml import etree

    _child(env, "news", NEWS)
    index_schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "siteindex.xsd")))
    urlset_schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap.xsd")))
    with gunicorn(env, workers=2) as base:
        trivial = sorted(_get(f"{base}/healthz")[1] for _ in range(200))[100]
        body, index_time = _get(f"{base}/sitemaps/news.xml")
        index = etree.fromstring(body)
        if not index_schema.validate(index):
            raise RuntimeError(f"news sitemap index invalid: {index_schema.error_log}")
        locs = [loc.text.replace("http://testserver", base) for loc in index.iter("{*}loc")]
        total, urls = index_time, []
        for loc in locs:
            page, seconds = _get(loc)
            document = etree.fromstring(page)
            if not urlset_schema.validate(document):
                raise RuntimeError(f"{loc} invalid: {urlset_schema.error_log}")
            urls.append(len(document.findall("{*}url")))
            total += seconds
    return {"files": len(locs), "urls": urls, "seconds": total, "trivial_s": trivial}


def main() -> dict:
    env, where = services_env()
    if "DATABASE_URL" in env:
        env["DATABASE_URL"] = env["DATABASE_URL"] + "_distribution"
        recreate_postgres_database(env["DATABASE_URL"])
    env.update({"WEBHOOKS_ALLOW_PRIVATE": "1", "WEBHOOK_THREADS": "16"})
    manage(env, "migrate", "--noinput")
    port = free_port()
    log = os.path.join(env["PORTAL_VAR_DIR"], "arrivals.jsonl")
    open(log, "w").close()
    base = f"http://127.0.0.1:{port}"
    workers = [
        [PYTHON, "-m", "celery", "-A", "portal", "worker", "-c", "1", "-n", f"bench{n}@%h", "--loglevel", "WARNING"]
        for n in (1, 2)
    ]
    with processes([[PYTHON, __file__, "receiver", str(port), log], *workers], env):
        time.sleep(6)  # the workers connect to the broker
        baseline = _post_p95(f"{base}/baseline")
        publish = _child(env, "publish", base, log)
        fanout = _child(env, "fanout", base, log)
    cdn = through_varnish(env, workers) if varnish_installed() else None
    news = sitemap(env)
    print(f"distribution [{where}; 2 Celery workers, {env['WEBHOOK_THREADS']} threads each]")
    print(
        f"  publish to first webhook attempt p95   {publish['p95_ms']:.0f} ms (p50 {publish['p50_ms']:.0f} ms;"
        f" {publish['p95_ms'] / baseline:.0f}x a plain POST p95 {baseline:.2f} ms)"
    )
    if cdn is None:
        print("  publish to fresh through Varnish       not measured: no varnishd here (apt: varnish varnish-modules)")
    else:
        print(
            f"  publish to fresh through Varnish p95   {cdn['p95_ms']:.0f} ms (p50 {cdn['p50_ms']:.0f} ms;"
            f" {cdn['p95_ms'] / cdn['trivial_ms']:.0f}x a read passed through Varnish,"
            f" p95 {cdn['trivial_ms']:.2f} ms)"
        )
    print(
        f"  fan-out to {ENDPOINTS:,} endpoints              {fanout['seconds']:.1f} s"
        f" ({fanout['deliveries']} deliveries)"
    )
    print(
        f"  news sitemap, {NEWS:,} articles in 48 h     {news['files']} files of {news['urls']} URLs, valid;"
        f" generated in {news['seconds'] * 1000:.0f} ms ({news['seconds'] / news['trivial_s']:.0f}x trivial"
        f" {news['trivial_s'] * 1000:.2f} ms)"
    )
    sys.stdout.flush()
    return {
        "publish_p95_ms": publish["p95_ms"],
        "varnish_p95_ms": cdn["p95_ms"] if cdn else None,
        "fanout_s": fanout["seconds"],
        "news_files": news["files"],
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "child":
        mode, args = sys.argv[2], json.loads(sys.argv[3])
        handler = {"publish": child_publish, "fanout": child_fanout, "news": child_news, "varnish": child_varnish}[mode]
        print(json.dumps(handler(*args), ensure_ascii=False))
    elif len(sys.argv) > 1 and sys.argv[1] == "receiver":
        receiver(int(sys.argv[2]), sys.argv[3])
    else:
        main()
