"""Exact-time scheduling: public at its second without a worker, published and announced once."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import services
from articles.models import Article, Revision, StatusChange
from core import api_cache, outbox
from tests.articles.factories import ArticleFactory
from tests.processes import killed_midway

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/articles/"


@pytest.fixture
def announced():
    """Articles whose publication reached a consumer of the change stream."""
    received = []

    def consumer(event):
        if event.type == "article.published":
            received.append(event.data["id"])

    outbox.register("test-announced", consumer)
    yield received
    outbox.unregister("test-announced")


def test_schedule_through_the_api(editor_api, api):
    article_id = editor_api.post(URL, {"title": "明早八点发布"}, format="json").json()["id"]
    at = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)

    response = editor_api.post(f"{URL}{article_id}/schedule/", {"at": at.isoformat()}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "scheduled"
    assert response.json()["published_at"] == timezone.localtime(at).isoformat()
    assert api.get(f"/api/v1/articles/{article_id}/").status_code == 404


@pytest.mark.parametrize(
    "at",
    [
        "2001-01-01T08:00:00+08:00",
        "tomorrow",
        "",
        "2026-13-40T99:00:00",
        "9999-12-31T23:59:59",  # more than a year ahead: a typo in the year
        "9999-12-31T23:59:59-12:00",  # beyond what a datetime holds once in UTC
        "2030-01-01T00:00:00+25:00",
        None,
        ["2030-01-01T00:00:00Z"],
        1e308,
    ],
)
def test_schedule_in_the_past_or_malformed_is_400(editor_api, at):
    article_id = editor_api.post(URL, {"title": "稿件"}, format="json").json()["id"]

    response = editor_api.post(f"{URL}{article_id}/schedule/", {"at": at}, format="json")

    assert response.status_code == 400
    assert "at" in response.json()
    assert Article.objects.get(pk=article_id).status == "draft"


def test_writers_cannot_schedule_and_archived_articles_cannot_be(writer_api, editor_api, editor):
    own = writer_api.post(URL, {"title": "写手稿件"}, format="json").json()["id"]
    at = (timezone.now() + timedelta(hours=1)).isoformat()
    archived = services.article_create(by=editor, title="旧闻")
    services.article_publish(article_id=archived.pk, by=editor)
    services.article_unpublish(article_id=archived.pk, by=editor)

    assert writer_api.post(f"{URL}{own}/schedule/", {"at": at}, format="json").status_code == 403
    conflict = editor_api.post(f"{URL}{archived.pk}/schedule/", {"at": at}, format="json")
    assert conflict.status_code == 409 and conflict.json()["status"] == "archived"


def test_public_at_its_time_without_any_worker(api, editor):
    article = services.article_create(by=editor, title="准点发布")
    services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(hours=1))
    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 404

    # The time comes; nothing has run.
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    api_cache.invalidate()

    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 200
    assert Article.objects.get(pk=article.pk).status == "scheduled"


def test_cached_lists_end_at_the_next_scheduled_time(editor):
    article = services.article_create(by=editor, title="定时")
    at = timezone.now() + timedelta(minutes=10)
    services.article_schedule(article_id=article.pk, by=editor, at=at)

    _, valid_until = api_cache.invalidate()

    assert valid_until == pytest.approx(at.timestamp())


def test_publish_due_flips_and_announces_once(editor, announced, django_capture_on_commit_callbacks):
    article = services.article_create(by=editor, title="到点")
    services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(minutes=1))
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=5))

    with django_capture_on_commit_callbacks(execute=True):
        first = services.publish_due()
        second = services.publish_due()

    article.refresh_from_db()
    assert (first, second) == ([article.pk], [])
    assert announced == [article.pk]
    assert article.status == "published" and article.first_published_at == article.published_at


def test_reschedule_and_cancel(editor_api, editor):
    article = services.article_create(by=editor, title="改期")
    services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(hours=1))
    later = timezone.now() + timedelta(hours=5)

    services.article_schedule(article_id=article.pk, by=editor, at=later)
    assert Article.objects.get(pk=article.pk).published_at == later
    cancelled = editor_api.post(f"{URL}{article.pk}/unschedule/")

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "draft" and cancelled.json()["published_at"] is None
    assert services.publish_due(now=later + timedelta(minutes=1)) == []


def test_command_publishes_due_articles(editor, capsys):
    article = services.article_create(by=editor, title="命令发布")
    services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(minutes=1))
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))

    call_command("publish_due")

    assert "Published 1" in capsys.readouterr().out
    assert Article.objects.get(pk=article.pk).status == "published"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_publish_and_announce_once(editor, announced):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads need PostgreSQL (DATABASE_URL); SQLite serialises writers itself")
    articles = []
    for n in range(20):
        article = services.article_create(by=editor, title=f"并发{n}")
        services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(minutes=1))
        articles.append(article.pk)
    Article.objects.filter(pk__in=articles).update(published_at=timezone.now() - timedelta(seconds=1))
    results = []

    def run():
        try:
            results.append(services.publish_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(pk for result in results for pk in result) == sorted(articles)
    assert sorted(announced) == sorted(articles)
    assert Article.objects.filter(pk__in=articles, status="published").count() == 20
    assert StatusChange.objects.filter(article__in=articles, to_status="published").count() == 20
    assert Revision.objects.filter(article__in=articles, action="published", created_by=None).count() == 20


CHILD = """
import os, sys, time
import django
django.setup()
from django.db.models.signals import post_save
from articles import services
from articles.models import Revision

def stall(sender, **kwargs):
    # Inside publish_due's transaction: state flipped, trail written, not committed.
    print("inside", flush=True)
    time.sleep(120)

post_save.connect(stall, sender=Revision)
services.publish_due()
"""


@pytest.mark.e2e  # starts a second process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_publish_loses_nothing_and_the_next_run_publishes_once(editor, announced, api):
    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a shared database (DATABASE_URL=postgres://...); SQLite's is in memory")
    article = services.article_create(by=editor, title="发布到一半")
    services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(minutes=1))
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))

    with killed_midway(CHILD):
        # Readers already have it, whatever the worker is doing.
        assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 200

    stored = Article.objects.get(pk=article.pk)
    assert stored.status == "scheduled"  # the killed transaction rolled back
    assert not StatusChange.objects.filter(article=article, to_status="published").exists()
    assert announced == []

    assert services.publish_due() == [article.pk]
    assert services.publish_due() == []
    assert Article.objects.get(pk=article.pk).status == "published"
    assert StatusChange.objects.filter(article=article, to_status="published").count() == 1
    assert Revision.objects.filter(article=article, action="published").count() == 1
    assert announced == [article.pk]
    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 200


def test_a_cached_list_page_shows_a_scheduled_article_at_its_second(api, editor, settings, time_machine):
    settings.API_CACHE_SECONDS = 60
    time_machine.move_to(timezone.now(), tick=False)  # a fake clock: a busy machine cannot race it
    ArticleFactory(title="早先的新闻")
    article = services.article_create(by=editor, title="准点上线")
    at = timezone.now() + timedelta(seconds=1.5)
    services.article_schedule(article_id=article.pk, by=editor, at=at)
    assert [item["title"] for item in api.get("/api/v1/articles/").json()["results"]] == ["早先的新闻"]
    assert api.get("/api/v1/articles/").json()["results"][0]["title"] == "早先的新闻"  # from the cache

    time_machine.shift(timedelta(seconds=1.5))  # its second; nothing runs meanwhile

    assert [item["title"] for item in api.get("/api/v1/articles/").json()["results"]] == ["准点上线", "早先的新闻"]
