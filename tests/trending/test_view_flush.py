"""Counted views reach `Article.view_count` exactly once, whatever fails on the way (defect 13.2)."""

import contextlib

import pytest
from django.db import OperationalError, connection, connections, transaction

from tests.articles.factories import ArticleFactory
from trending import services, stores

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def read(article_id: int, readers: int, prefix: str) -> None:
    """`readers` readers, each on a line of their own (an IPv6 /64: the per-address cap stays out of it)."""
    for n in range(readers):
        events = [{"article": article_id, "visitor": f"{prefix}{n}"}]
        services.events_record(events=events, address=f"2001:db8:{prefix}:{n + 1:x}::1", user_agent=AGENT, cookie=None)


def views(article) -> int:
    article.refresh_from_db(fields=["view_count"])
    return article.view_count


def test_a_flush_adds_every_counted_view_once(store):
    article = ArticleFactory()
    read(article.pk, 5, "a")

    first, second = services.view_counts_flush(), services.view_counts_flush()

    assert (first, second) == (5, 0)
    assert views(article) == 5


def test_a_batch_claimed_by_a_flush_that_died_is_not_lost_or_overwritten(store):
    article = ArticleFactory()
    read(article.pk, 4, "a")
    with contextlib.suppress(RuntimeError), transaction.atomic():
        store.views_claim()
        raise RuntimeError("the worker died before writing them")
    read(article.pk, 3, "b")  # counted meanwhile

    flushed = services.view_counts_flush()

    assert flushed == 7
    assert views(article) == 7
    assert services.view_counts_flush() == 0


@pytest.mark.redis
def test_a_flush_cut_off_from_redis_after_its_commit_does_not_add_the_batch_twice(redis_url, settings, trending_keys):
    """The real flush, with Redis behind a relay cut the moment the database commits: the batch
    is written but not released. The next flush finds it recorded and adds nothing twice."""
    from urllib.parse import urlsplit

    from django.db.models.signals import post_save

    from tests.e2e.relay import Relay
    from trending.models import StoredMeta

    url = urlsplit(redis_url)
    relay = Relay((url.hostname, url.port or 6379))
    relay.accept()
    settings.REDIS_URL = url._replace(netloc=f"127.0.0.1:{relay.port}").geturl()
    settings.TRENDING_STORE = "redis"
    article = ArticleFactory()
    read(article.pk, 6, "a")

    def cut_once_committed(sender, instance, **kwargs):
        if instance.name == "views-batch":  # the batch number is recorded with the counts
            transaction.on_commit(relay.refuse)

    post_save.connect(cut_once_committed, sender=StoredMeta)
    try:
        with pytest.raises(stores.StoreUnavailable):  # the release never reached Redis
            services.view_counts_flush()
    finally:
        post_save.disconnect(cut_once_committed, sender=StoredMeta)
    assert views(article) == 6  # committed before the cut
    relay.accept()
    read(article.pk, 2, "b")  # counted once Redis is back

    assert services.view_counts_flush() == 2  # the leftover batch is released, not added again
    assert views(article) == 8
    relay.refuse()


@pytest.mark.redis
def test_postgresql_failing_during_the_flush_loses_no_view(redis_url, settings, trending_keys):
    if connection.vendor != "postgresql":
        pytest.skip("row lock time-outs are PostgreSQL's; run with DATABASE_URL=postgres://...")
    settings.REDIS_URL = redis_url
    settings.TRENDING_STORE = "redis"
    article = ArticleFactory()
    read(article.pk, 58, "a")
    blocker = connections.create_connection("default")
    blocker.set_autocommit(False)
    with blocker.cursor() as cursor:
        cursor.execute("SELECT 1 FROM articles_article WHERE id = %s FOR UPDATE", [article.pk])
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")

    with pytest.raises(OperationalError):
        services.view_counts_flush()
    blocker.rollback()
    blocker.close()
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")
    read(article.pk, 2, "b")
    flushed = services.view_counts_flush()

    assert flushed == 60
    assert views(article) == 60
    assert stores.get_store().views_claim() == (0, {})
