"""The public answer cache on a real Redis: shared between processes, purged by a new generation."""

import pytest
import redis
from django.core.cache import caches

from articles import documents
from core import api_cache, broadcast
from tests.articles.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_redis(settings, redis_url, private_cache):
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": private_cache}
    }
    yield redis.Redis.from_url(redis_url), private_cache


def test_answers_are_kept_in_redis_under_the_generation(api, on_redis):
    client, prefix = on_redis
    article = ArticleFactory(title="缓存中的新闻")

    api.get(f"/api/v1/articles/{article.pk}/")
    api.get("/api/v1/articles/")

    keys = {key.decode() for key in client.scan_iter(match=f"{prefix}:*")}
    assert len([key for key in keys if ":api:answer:" in key]) == 2
    assert not [key for key in keys if ":api:generation:" in key]  # nothing bumped yet

    api_cache.purge([f"article-{article.pk}"])

    token = client.get(f"{prefix}:1:" + api_cache.GENERATION.format(f"article-{article.pk}"))
    assert token is not None and client.ttl(f"{prefix}:1:" + api_cache.GENERATION.format(f"article-{article.pk}")) > 0


def test_a_generation_bumped_by_another_process_purges_only_its_answers(api, on_redis, settings):
    settings.API_LOCAL_CACHE_SECONDS = 0
    article, neighbour = ArticleFactory(title="旧标题"), ArticleFactory(title="邻居")
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "旧标题"
    assert api.get(f"/api/v1/articles/{neighbour.pk}/").json()["title"] == "邻居"
    type(article).objects.filter(pk__in=[article.pk, neighbour.pk]).update(title="新标题")
    documents.documents_rebuild()
    assert (
        api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "旧标题"
    )  # still cached: its generation in Redis is unchanged

    # Another process's cache connection, as a second web worker would have, purges one article.
    other = caches.create_connection("default")
    bumped = other.incr(api_cache.SEQUENCE)
    other.set(api_cache.GENERATION.format(f"article-{article.pk}"), bumped, 60)

    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "新标题"
    assert api.get(f"/api/v1/articles/{neighbour.pk}/").json()["title"] == "邻居"  # still cached


def test_the_redis_client_is_reused_between_calls(on_redis):
    cache = caches.create_connection("default")
    cache.set("reuse-check", 1, 10)

    assert cache._cache.get_client() is cache._cache.get_client()
    assert cache.get("reuse-check") == 1


def test_readyz_reports_redis_ok(api, on_redis):
    assert api.get("/readyz").json()["checks"]["cache"] == "ok"


def test_a_purge_made_by_another_process_drops_this_process_copy_at_once(api, on_redis, settings):
    """Copies are trusted here for a minute: only the announcement of the other process's purge
    (Redis pub/sub) can make this process read the shared cache again before then."""
    import time

    from django.core.cache import cache

    client, _ = on_redis
    settings.API_LOCAL_CACHE_SECONDS = settings.API_LOCAL_MAX_AGE = 60
    broadcast.resubscribe()  # to this test's Redis
    article = ArticleFactory(title="撤稿前")
    url = f"/api/v1/articles/{article.pk}/"
    assert api.get(url).json()["title"] == "撤稿前"
    subscribed = time.monotonic() + 5
    while not client.pubsub_numsub(broadcast.channel())[0][1] and time.monotonic() < subscribed:
        time.sleep(0.01)
    # Another process changes the article and bumps its generation, without a word to this one.
    type(article).objects.filter(pk=article.pk).update(title="撤稿后")
    documents.document_render(article_id=article.pk)
    name = api_cache.GENERATION.format(f"article-{article.pk}")
    cache.set(name, api_cache._next_number(), api_cache.GENERATION_SECONDS)
    assert api.get(url).json()["title"] == "撤稿前"  # this process's copy, trusted

    client.publish(broadcast.channel(), name)  # ...then it announces the purge
    deadline = time.monotonic() + 5
    while api.get(url).json()["title"] != "撤稿后" and time.monotonic() < deadline:
        time.sleep(0.01)

    assert api.get(url).json()["title"] == "撤稿后"
