"""A real CDN in front: Debian's Varnish with varnish-modules (xkey) and deploy/varnish/portal.vcl,
before gunicorn, purged by a Celery worker through the outbox, as a newsroom would run it.

After an edit, the article's page through Varnish is fresh within 1 s, and so are the list page
and the feed that show it, while other articles' pages stay in the cache (Varnish's own hit
counters say so). Without varnishd the test is skipped with the reason printed by `make test`
(under REQUIRE_SERVICES=1 it fails instead).
"""

import json
import os
import subprocess
import time
import urllib.request

import pytest

from bench.common import PYTHON, ROOT, VARNISH_MISSING, free_port, gunicorn, varnish, varnish_installed, wait_for
from bench.common import http_json as call


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def fresh_within(check, seconds: float) -> float:
    """How long until `check()` holds, polled every 20 ms; fails after `seconds`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"still stale after {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - started


# The demo's photos get their renditions from the worker, and each purges the pages showing it:
# the test starts once that is done and every queued purge has left.
SETTLE = """
import time
from django.db.models import Q
from django.utils import timezone
from distribution.models import PendingPurge
from media.models import Image
deadline = time.monotonic() + 90
usable = Q(rights_expire_at__isnull=True) | Q(rights_expire_at__gt=timezone.now())
while Image.objects.filter(usable, renditions_ready=False).exists() or PendingPurge.objects.exists():
    assert time.monotonic() < deadline, "the worker did not finish the demo's renditions and purges"
    time.sleep(0.2)
"""


def settle(env: dict) -> None:
    subprocess.run([PYTHON, "manage.py", "shell", "-c", SETTLE], cwd=ROOT, env=env, check=True, capture_output=True)


@pytest.fixture
def stack(site_env):
    """gunicorn, one Celery worker and Varnish in front, purging by surrogate key."""
    if not varnish_installed():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(VARNISH_MISSING + " (REQUIRE_SERVICES=1)")
        pytest.skip(VARNISH_MISSING)
    port = free_port()
    env = {
        **site_env,
        "PURGE_BACKEND": "distribution.purge.Varnish",
        "PURGE_VARNISH_URLS": f"http://127.0.0.1:{port}",
        # Varnish is the loopback proxy: what it forwards names its client or is nobody's.
        "TRUSTED_PROXIES": "127.0.0.1",
        "METRICS_ENABLED": "true",
        "METRICS_TOKEN": "scrape-secret",
    }
    worker = subprocess.Popen(
        [PYTHON, "-m", "celery", "-A", "portal", "worker", "-c", "1", "-n", "varnish-e2e@%h", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
    )
    try:
        with gunicorn(env, workers=2) as backend, varnish(backend, port=port) as cache:
            wait_for(f"{backend}/readyz")
            settle(env)
            yield backend, cache
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_an_edit_is_fresh_through_varnish_within_a_second_and_other_pages_stay_cached(stack):
    backend, cache = stack
    base = cache.base
    status, _, body = call("POST", f"{base}/api/v1/auth/token/", {"username": "editor", "password": "portal-editor"})
    assert status == 200  # sign-in passes through the cache
    editor = {"Authorization": f"Token {body['token']}"}

    listed = [item["id"] for item in call("GET", f"{base}/api/v1/articles/")[2]["results"]]
    edited = listed[0]

    # Another article whose page does not show the edited one: no key of it, and not among its
    # related articles (a retitled related article has those pages rendered anew and purged).
    def shows_edited(pk: int) -> bool:
        _, headers, body = get(f"{backend}/api/v1/articles/{pk}/")
        related = [item["id"] for item in json.loads(body)["related"]]
        return f"article-{edited}" in headers["Surrogate-Key"].split() or edited in related

    other = next(pk for pk in listed[1:] if not shows_edited(pk))
    pages = {
        "detail": f"{base}/api/v1/articles/{edited}/",
        "other": f"{base}/api/v1/articles/{other}/",
        "list": f"{base}/api/v1/articles/",
        "feed": f"{base}/feeds/rss/",
    }
    for url in pages.values():
        get(url)
        status, headers, _ = get(url)
        assert status == 200 and headers["X-Cache"] == "HIT", url
        assert "Surrogate-Key" not in headers and "xkey" not in headers  # the keys stay in the cache
    # Editors are never answered from the cache.
    status, headers, _ = get(f"{base}/api/v1/editor/articles/{edited}/", editor)
    assert status == 200 and headers["X-Cache"] == "MISS"
    status, _, _ = get(f"{base}/api/v1/editor/articles/{edited}/")
    assert status == 401

    title = "经 Varnish 改过的标题"
    status, _, _ = call(
        "PATCH",
        f"{base}/api/v1/editor/articles/{edited}/",
        {"title": title},
        {**editor, "If-Match": headers["ETag"]},
    )
    assert status == 200
    marker = title.encode()
    waited = {
        "detail": fresh_within(lambda: marker in get(pages["detail"])[2], 1.0),
        "list": fresh_within(lambda: marker in get(pages["list"])[2], 1.0),
        "feed": fresh_within(lambda: marker in get(pages["feed"])[2], 1.0),
    }
    print(f"fresh through Varnish after: {waited}")

    # The other article's page was not purged: a hit, and no request reached gunicorn for it.
    before = cache.counters("MAIN.cache_hit", "MAIN.cache_miss")
    status, headers, _ = get(pages["other"])
    after = cache.counters("MAIN.cache_hit", "MAIN.cache_miss")
    assert status == 200 and headers["X-Cache"] == "HIT"
    assert after["MAIN.cache_hit"] == before["MAIN.cache_hit"] + 1
    assert after["MAIN.cache_miss"] == before["MAIN.cache_miss"]

    # Only a PURGE purges: a reader's GET with the header is an ordinary read.
    get(pages["list"], {"xkey-purge": f"article-{other}"})
    assert get(pages["other"])[1]["X-Cache"] == "HIT"

    # Unpublished: gone through the cache within a second, from the list too.
    assert call("POST", f"{base}/api/v1/editor/articles/{edited}/unpublish/", headers=editor)[0] == 200
    fresh_within(lambda: get(pages["detail"])[0] == 404, 1.0)
    fresh_within(lambda: marker not in get(pages["list"])[2], 1.0)
    # A draft's address read too early answers 404 through the cache; once it is published the
    # 404 does not linger.
    status, _, draft = call("POST", f"{base}/api/v1/editor/articles/", {"title": "草稿先被读到"}, editor)
    assert status == 201
    early = f"{base}/api/v1/articles/{draft['id']}/"
    assert [get(early)[0] for _ in range(3)] == [404] * 3
    assert call("POST", f"{base}/api/v1/editor/articles/{draft['id']}/publish/", headers=editor)[0] == 200
    fresh_within(lambda: get(early)[0] == 200, 1.0)


def test_metrics_are_refused_at_the_edge_and_a_proxied_request_is_never_local(stack):
    backend, cache = stack
    token = {"Authorization": "Bearer scrape-secret"}

    through_edge = [get(f"{cache.base}{path}", token)[0] for path in ("/metrics", "/metrics/", "/metrics?x=1")]
    hidden = get(f"{backend}/metrics", {"X-Forwarded-For": "203.0.113.5, unknown"})[0]
    unnamed = get(f"{backend}/metrics")[0]  # from the trusted loopback, naming no client
    scraper = get(f"{backend}/metrics", token)

    assert through_edge == [404, 404, 404]
    assert (hidden, unnamed) == (404, 404)
    assert scraper[0] == 200 and b"portal_" in scraper[2]
