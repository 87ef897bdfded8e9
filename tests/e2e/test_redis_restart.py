"""Redis stopped during event ingest and rail reads, then started again (issue 13, faults): a
Redis of the test's own on a spare port, so stopping it harms nothing else. Reads keep
answering, events answer 503 while it is down, everything recovers without restarting anything,
and the views accepted before the stop are all counted afterwards."""

import os

import pytest
from django.test import Client

from articles import services as article_services
from articles.models import Article
from bench.common import REDIS_SERVER, OwnRedis
from trending import services as trending_services

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def own_redis(tmp_path, settings):
    if not REDIS_SERVER:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("redis-server is not installed (REQUIRE_SERVICES=1)")
        pytest.skip("redis-server is not installed here")
    server = OwnRedis(tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    settings.TRENDING_STORE = "redis"
    settings.TRENDING_TRUSTED_SENDERS = ["127.0.0.1"]  # a log shipper sends many readers' views
    options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": server.url, "OPTIONS": options}}
    yield server
    if server.process.poll() is None:
        server.process.terminate()
        server.process.wait(timeout=10)


def _send(client, article_id: int, visitors: range):
    events = [{"article": article_id, "visitor": f"reader-{n}"} for n in visitors]
    return client.post(
        "/api/v1/trending/events/", {"events": events}, content_type="application/json", HTTP_USER_AGENT=BROWSER
    )


def test_redis_stopped_and_started_again_loses_no_accepted_view(own_redis, editor, django_capture_on_commit_callbacks):
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        article = article_services.article_create(by=editor, title="雪夜突发")
        article_services.article_publish(article_id=article.pk, by=editor)
    before = _send(client, article.pk, range(40))
    assert (before.status_code, before.json()["accepted"]) == (202, 40)
    trending_services.trending_refresh()
    assert [i["article"]["id"] for i in client.get("/api/v1/trending/?rail=now").json()["items"]] == [article.pk]

    own_redis.stop()

    # Readers still get the article and the rail; views are refused with a clear 503.
    detail = client.get(f"/api/v1/articles/{article.pk}/")
    assert (detail.status_code, detail.json()["title"]) == (200, "雪夜突发")
    assert client.get("/api/v1/articles/").status_code == 200
    rail = client.get("/api/v1/trending/?rail=now")
    assert rail.status_code == 200 and [i["article"]["id"] for i in rail.json()["items"]] == [article.pk]
    during = _send(client, article.pk, range(40, 50))
    assert during.status_code == 503 and during["Retry-After"]

    own_redis.start()  # nothing else restarted: this process goes on with its clients

    after = _send(client, article.pk, range(50, 70))
    assert (after.status_code, after.json()["accepted"]) == (202, 20)
    trending_services.trending_refresh()
    assert trending_services.view_counts_flush() == 60
    assert Article.objects.get(pk=article.pk).view_count == 60  # the 40 before the stop, and 20 after
    assert [i["article"]["id"] for i in client.get("/api/v1/trending/?rail=now").json()["items"]] == [article.pk]
