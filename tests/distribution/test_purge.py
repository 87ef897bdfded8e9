"""CDN purges: queued with the change, sent after a short window in batches, each key once,
retried; backends checked against a local server playing each CDN's published API."""

import time
from datetime import timedelta

import orjson
import pytest
from django.utils import timezone

from articles import services as article_services
from distribution.models import PendingPurge
from distribution.purge import queue as purge
from tests.distribution import receiver as receiver_module

pytestmark = pytest.mark.django_db


@pytest.fixture
def cdn(settings):
    found, server = receiver_module.start()
    settings.PURGE_VARNISH_URLS = [found.base]
    settings.FASTLY_API_URL = found.base
    settings.FASTLY_SERVICE_ID = "SU1Z0isxPaozGVKXdv0eY"
    settings.FASTLY_API_TOKEN = "fastly-token"
    settings.CLOUDFLARE_API_URL = found.base
    settings.CLOUDFLARE_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353"
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    yield found
    server.shutdown()


def use(settings, path):
    settings.PURGE_BACKEND = path
    purge._backend.cache_clear()


def flush() -> int:
    """A flush once the queued keys have settled (as the worker's does, `settle_seconds()` later)."""
    PendingPurge.objects.update(queued_at=timezone.now() - timedelta(seconds=purge.settle_seconds() + 0.1))
    return purge.flush()


def test_keys_wait_until_no_web_process_can_answer_from_memory_before_the_change(settings, cdn):
    use(settings, "distribution.purge.Fastly")
    settings.API_LOCAL_CACHE_SECONDS = 1.0
    assert purge.settle_seconds() > 1.0
    purge.purge_consumer(type("E", (), {"keys": ["article-5"]})())
    assert purge.flush() == 0 and cdn.requests == []  # a process may still hold the old answer
    assert flush() == 1 and len(cdn.requests) == 1


def test_a_save_queues_its_keys_and_a_flush_sends_each_once(settings, cdn, write, editor, relayed):
    use(settings, "distribution.purge.Fastly")
    article = write("第一稿")
    for title in ("第二稿", "第三稿"):
        relayed(
            article_services.article_update,
            article_id=article.pk,
            by=editor,
            expected_version=None,
            data={"title": title},
        )
    assert cdn.requests == []  # nothing left during the saves
    assert PendingPurge.objects.filter(key=f"article-{article.pk}").count() == 1
    flush()
    sent = [orjson.loads(r.body)["surrogate_keys"] for r in cdn.at(f"/service/{settings.FASTLY_SERVICE_ID}/purge")]
    flat = [k for keys in sent for k in keys]
    assert flat.count(f"article-{article.pk}") == 1 and "list" in flat and "sitemap" in flat
    assert PendingPurge.objects.count() == 0


def test_fastly_contract(settings, cdn):
    use(settings, "distribution.purge.Fastly")
    purge.purge_consumer(type("E", (), {"keys": [f"k{n}" for n in range(300)]})())
    flush()
    calls = cdn.at(f"/service/{settings.FASTLY_SERVICE_ID}/purge")
    assert [r.method for r in calls] == ["POST", "POST"]
    assert [len(orjson.loads(r.body)["surrogate_keys"]) for r in calls] == [256, 44]  # 256 a call
    headers = calls[0].headers
    assert headers["fastly-key"] == "fastly-token"
    assert headers["fastly-soft-purge"] == "1"
    assert headers["content-type"] == "application/json"
    settings.PURGE_SOFT = False
    purge.purge_consumer(type("E", (), {"keys": ["hard"]})())
    flush()
    assert "fastly-soft-purge" not in cdn.at(f"/service/{settings.FASTLY_SERVICE_ID}/purge")[-1].headers


def test_cloudflare_contract_batches_and_rate_limit(settings, cdn):
    use(settings, "distribution.purge.Cloudflare")
    settings.CLOUDFLARE_PURGE_PER_MINUTE = 2
    path = f"/client/v4/zones/{settings.CLOUDFLARE_ZONE_ID}/purge_cache"
    cdn.answer(path, (200, {"content-type": "application/json"}, 0))
    purge.purge_consumer(type("E", (), {"keys": [f"tag-{n}" for n in range(250)]})())
    assert flush() == 200  # two calls this minute; the third waits
    calls = cdn.at(path)
    assert [len(orjson.loads(r.body)["tags"]) for r in calls] == [100, 100]
    assert calls[0].headers["authorization"] == "Bearer cf-token"
    assert calls[0].method == "POST"
    assert PendingPurge.objects.count() == 50


def test_a_cdn_refusing_keeps_the_keys_and_honours_retry_after(settings, cdn):
    use(settings, "distribution.purge.Fastly")
    cdn.answer(f"/service/{settings.FASTLY_SERVICE_ID}/purge", (429, {"Retry-After": "30"}, 0), (200, {}, 0))
    purge.purge_consumer(type("E", (), {"keys": ["article-1"]})())
    assert flush() == 0
    pending = PendingPurge.objects.get()
    assert pending.attempts == 1 and 25 <= (pending.next_attempt_at - timezone.now()).total_seconds() <= 31
    assert flush() == 0  # not due yet
    PendingPurge.objects.update(next_attempt_at=timezone.now())
    assert flush() == 1 and PendingPurge.objects.count() == 0


def test_varnish_and_url_purges_use_purge_requests(settings, cdn):
    use(settings, "distribution.purge.Varnish")
    purge.purge_consumer(type("E", (), {"keys": ["article-7", "list"]})())
    flush()
    (call,) = cdn.requests
    assert call.method == "PURGE" and call.headers["xkey-softpurge"] == "article-7 list"
    use(settings, "distribution.purge.Urls")
    purge.purge_consumer(type("E", (), {"keys": ["article-7"]})())
    flush()
    purged = [(r.method, r.path) for r in cdn.requests[1:]]
    assert ("PURGE", "/api/v1/articles/7/") in purged and ("PURGE", "/api/v1/articles/") in purged
    assert {method for method, _ in purged} == {"PURGE"}  # the whole list: tests/distribution/test_purge_by_url.py


def test_a_hanging_cdn_never_slows_a_save(settings, cdn, write, editor, relayed):
    use(settings, "distribution.purge.Fastly")
    cdn.answer(f"/service/{settings.FASTLY_SERVICE_ID}/purge", (200, {}, 5))
    started = time.monotonic()
    write("保存不等待 CDN")
    assert time.monotonic() - started < 3
    assert PendingPurge.objects.exists()


def test_a_key_changed_again_while_being_sent_stays_queued(settings, cdn):
    use(settings, "distribution.purge.Fastly")
    purge.purge_consumer(type("E", (), {"keys": ["article-9"]})())
    backend = purge.backend()
    original = type(backend).purge

    def purge_and_change_meanwhile(self, keys):
        original(self, keys)
        purge.purge_consumer(type("E", (), {"keys": ["article-9"]})())  # a new change mid-send

    type(backend).purge = purge_and_change_meanwhile
    try:
        flush()
    finally:
        type(backend).purge = original
    assert PendingPurge.objects.filter(key="article-9").exists()


def test_a_backend_named_where_it_was_before_the_move_still_loads(settings):
    settings.PURGE_BACKEND = "core.purge.NoPurge"  # the name before the queue moved to distribution
    purge._backend.cache_clear()
    try:
        assert type(purge.backend()).__module__ == "distribution.purge.backends.base"
    finally:
        purge._backend.cache_clear()
