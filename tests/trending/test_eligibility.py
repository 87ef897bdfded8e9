"""A published article's views count from its first second, whatever else is running (defect 13.1)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from tests.articles.factories import ArticleFactory
from trending import services, stores

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"


def read(article_id: int, readers: int, prefix: str = "r") -> dict[str, int]:
    events = [{"article": article_id, "visitor": f"{prefix}{n}"} for n in range(readers)]
    return services.events_record(events=events, address="198.51.100.7", user_agent=AGENT, cookie=None)


def test_three_articles_published_one_after_another_all_count_at_once(
    store, editor, django_capture_on_commit_callbacks
):
    drafts = [ArticleFactory(status="draft", published_at=None, first_published_at=None) for _ in range(3)]
    services.eligibility_sync(force=True)  # the periodic prune ran before any of them was public

    tallies = []
    for draft in drafts:
        with django_capture_on_commit_callbacks(execute=True):
            article_services.article_publish(article_id=draft.pk, by=editor)
        services.eligibility_sync(force=True)  # a prune between publications changes nothing
        tallies.append(read(draft.pk, 4))

    assert [t["accepted"] for t in tallies] == [4, 4, 4]
    assert [t["ineligible"] for t in tallies] == [0, 0, 0]


def test_an_article_published_by_another_process_counts_without_any_announcement(store):
    article = ArticleFactory(status="draft", published_at=None, first_published_at=None)
    assert read(article.pk, 1, "before")["ineligible"] == 1

    # Another process publishes it; this one hears nothing (no signal, no task).
    Article.objects.filter(pk=article.pk).update(status="published", published_at=timezone.now())

    assert read(article.pk, 3)["accepted"] == 3


def _wait_until_gone(store, key: str) -> None:
    deadline = time.monotonic() + 10  # monotonic time is real under time-machine
    while store.client.exists(key):
        assert time.monotonic() < deadline, f"{key} outlived its time to live"
        time.sleep(0.02)


def test_a_scheduled_article_counts_from_its_second(store, time_machine):
    time_machine.move_to(timezone.now(), tick=False)  # a fake clock: a busy machine cannot race it
    at = timezone.now() + timedelta(seconds=1.5)
    article = ArticleFactory(status="scheduled", published_at=at, first_published_at=None)

    early = read(article.pk, 2, "early")
    time_machine.shift(timedelta(seconds=1.499))
    still_early = read(article.pk, 2, "still-early")
    time_machine.shift(timedelta(seconds=0.001))  # its second
    if isinstance(store, stores.RedisStore):
        # Redis's own clock ends the "not yet" it was told to remember until that second.
        _wait_until_gone(store, f"{store.prefix}:ineligible:{article.pk}")
    on_time = read(article.pk, 2, "on-time")

    assert (early["accepted"], early["ineligible"]) == (0, 2)
    assert (still_early["accepted"], still_early["ineligible"]) == (0, 2)
    assert on_time["accepted"] == 2


def test_an_unpublished_article_stops_counting_at_once(store, editor, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    assert read(article.pk, 2)["accepted"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_unpublish(article_id=article.pk, by=editor)

    assert read(article.pk, 2, "later") == {
        "accepted": 0,
        "rejected": 2,
        "duplicates": 0,
        "ineligible": 2,
        "limited": 0,
        "bots": 0,
        "invalid": 0,
    }


@pytest.mark.redis
def test_redis_restarting_empty_loses_no_published_article(redis_url, settings, trending_keys):
    settings.REDIS_URL = redis_url
    settings.TRENDING_STORE = "redis"
    store = stores.get_store()
    articles = [ArticleFactory() for _ in range(3)]
    assert read(articles[0].pk, 1)["accepted"] == 1

    store.clear()  # what a restart without persistence leaves: no key at all

    assert [read(a.pk, 2, f"after-{a.pk}-")["accepted"] for a in articles] == [2, 2, 2]
    assert store.stats()["accepted"] == 6


@pytest.mark.redis
def test_the_prune_forgets_only_what_is_no_longer_public(redis_url, settings, trending_keys):
    settings.REDIS_URL = redis_url
    settings.TRENDING_STORE = "redis"
    store = stores.get_store()
    kept, dropped = ArticleFactory(), ArticleFactory()
    read(kept.pk, 1)
    read(dropped.pk, 1)
    Article.objects.filter(pk=dropped.pk).update(status="draft")  # unpublished where no signal reached us

    removed = store.eligible_prune()

    assert removed == 1
    assert store.client.hkeys(f"{store.prefix}:eligible") == [str(kept.pk).encode()]
    assert read(dropped.pk, 1, "x")["ineligible"] == 1
