"""Readers never wait for a render to keep a document current: the workers render documents
anew when they fall due (soon for new articles, rarely for old ones) or are marked (a name they
show changed); only what makes the bytes wrong (a photo that may no longer be shown, a schedule)
is rendered on the read."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import documents
from articles import services as article_services
from articles.documents import refresh
from articles.documents.render import NEVER
from articles.models import Article, Document
from core import locks
from core.models import OutboxEvent
from media import services as media_services
from tests.articles.factories import ArticleFactory, SectionFactory, TagFactory
from tests.media.factories import make_image

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now(), tick=False)  # a fake clock: a busy machine cannot race it
    return time_machine


def _rendered(**fields) -> Article:
    article = ArticleFactory(**fields)
    documents.document_render(article_id=article.pk)
    return article


def test_new_articles_fall_due_hourly_and_old_ones_rarely(clock, settings):
    settings.DOCUMENT_REFRESH_SECONDS = 3600
    now = timezone.now()
    new, recent, old = (_rendered(published_at=now - age) for age in (HOUR, timedelta(days=10), timedelta(days=60)))

    due = {a.pk: Document.objects.get(article=a).refresh_at - now for a in (new, recent, old)}

    assert due == {new.pk: HOUR, recent.pk: timedelta(days=1), old.pk: timedelta(days=7)}
    assert Document.objects.get(article=new).valid_until == NEVER  # nothing makes its bytes wrong


def test_an_aged_document_is_served_as_stored_and_rendered_anew_by_the_workers(api, clock, settings):
    settings.API_CACHE_SECONDS = 0
    tag = TagFactory()
    article = _rendered(published_at=timezone.now() - HOUR)
    article.tags.set([tag])
    documents.document_render(article_id=article.pk)
    rendered_at = Document.objects.get(article=article).rendered_at
    newer = ArticleFactory(published_at=timezone.now() - timedelta(minutes=5))
    newer.tags.set([tag])
    documents.document_render(article_id=newer.pk)

    clock.shift(2 * HOUR)
    answer = api.get(f"/api/v1/articles/{article.pk}/").json()

    assert answer["related"] == [] or newer.pk not in [r["id"] for r in answer["related"]]
    assert Document.objects.get(article=article).rendered_at == rendered_at  # no render on the read
    assert documents.documents_refresh() == 2  # both were due
    assert newer.pk in [r["id"] for r in api.get(f"/api/v1/articles/{article.pk}/").json()["related"]]
    assert documents.documents_refresh() == 0  # nothing due until the next hour


def test_marked_documents_go_first_and_an_unchanged_one_purges_nothing(clock):
    old = timezone.now() - timedelta(days=90)
    waiting = [_rendered(published_at=old - timedelta(hours=i)) for i in range(3)]
    marked = _rendered(published_at=old)
    clock.shift(timedelta(days=8))  # all of them due by time

    documents.mark_due([marked.pk])
    assert documents.documents_refresh(batch=1, seconds=0) == 1

    assert Document.objects.get(article=marked).rendered_at == timezone.now()
    assert all(Document.objects.get(article=a).rendered_at < timezone.now() for a in waiting)
    assert not OutboxEvent.objects.filter(type=refresh.EVENT).exists()  # the same bytes: no purge


def test_renaming_a_section_has_its_documents_rendered_by_the_workers(api, editor, relayed, settings):
    settings.API_CACHE_SECONDS = 0
    section = SectionFactory(name="国际")
    shown = [_rendered(section=section) for _ in range(3)]
    elsewhere = _rendered()
    untouched = Document.objects.get(article=elsewhere).refresh_at

    section.name = "国际新闻"
    relayed(article_services.taxonomy_save, instance=section, by=editor)

    assert {d.article_id for d in Document.objects.filter(refresh_at=refresh.MARKED)} == {a.pk for a in shown}
    assert Document.objects.get(article=elsewhere).refresh_at == untouched
    relayed(documents.documents_refresh)
    assert {r["section"]["name"] for r in api.get("/api/v1/articles/").json()["results"] if r["section"]} >= {
        "国际新闻"
    }
    event = OutboxEvent.objects.get(type=refresh.EVENT)
    assert sorted(event.keys) == sorted(f"article-{a.pk}" for a in shown)


def test_a_photos_change_is_rendered_on_the_next_read(api, photo_editor, relayed, settings):
    """Rights cut short must not wait for the workers: the documents showing it are wrong now."""
    settings.API_CACHE_SECONDS = 0
    image = make_image(photo_editor)
    article = _rendered(lead_image=image)
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["lead_image"] is not None

    ended = timezone.now() - timedelta(seconds=1)
    relayed(media_services.image_update, image_id=image.pk, by=photo_editor, data={"rights_expire_at": ended})

    assert api.get(f"/api/v1/articles/{article.pk}/").json()["lead_image"] is None


def test_one_document_that_fails_does_not_hold_back_the_others(clock, monkeypatch):
    articles = [_rendered() for _ in range(3)]
    broken = articles[1].pk
    documents.mark_due([a.pk for a in articles])
    render = refresh.documents_render

    def failing(article_ids, **kwargs):
        if broken in article_ids:
            raise ValueError("a bug in one article's render")
        return render(article_ids, **kwargs)

    monkeypatch.setattr(refresh, "documents_render", failing)
    assert documents.documents_refresh() == 3

    rendered = {a.pk: Document.objects.get(article=a) for a in articles}
    assert rendered[articles[0].pk].rendered_at == rendered[articles[2].pk].rendered_at == timezone.now()
    assert rendered[broken].refresh_at > timezone.now()  # tried again later, not at the head of the line


def _held_elsewhere(release: threading.Event, taken: threading.Event) -> None:
    """Another refresher: its own thread, so its own database connection (or file descriptor)."""
    try:
        with locks.held("documents-refresh") as ours:
            assert ours
            taken.set()
            release.wait(30)
    finally:
        connection.close()


def test_one_refresh_runs_at_a_time(clock):
    article = _rendered()
    documents.mark_due([article.pk])
    release, taken = threading.Event(), threading.Event()
    other = threading.Thread(target=_held_elsewhere, args=(release, taken))
    other.start()
    try:
        assert taken.wait(30)
        assert documents.documents_refresh() == 0
    finally:
        release.set()
        other.join(30)

    assert documents.documents_refresh() == 1


def test_a_retitled_article_reaches_the_documents_listing_it_as_related(api, editor, relayed, settings):
    settings.API_CACHE_SECONDS = 0
    section = SectionFactory()
    listed = relayed(article_services.article_create, by=editor, title="旧的标题", section=section)
    relayed(article_services.article_publish, article_id=listed.pk, by=editor)
    listing = relayed(article_services.article_create, by=editor, title="另一篇", section=section)
    relayed(article_services.article_publish, article_id=listing.pk, by=editor)
    assert [r["title"] for r in api.get(f"/api/v1/articles/{listing.pk}/").json()["related"]] == ["旧的标题"]

    listed.refresh_from_db()
    relayed(
        article_services.article_update,
        article_id=listed.pk,
        by=editor,
        expected_version=listed.version,
        data={"title": "新的标题"},
    )
    assert Document.objects.get(article=listing).refresh_at == refresh.MARKED
    relayed(documents.documents_refresh)

    assert [r["title"] for r in api.get(f"/api/v1/articles/{listing.pk}/").json()["related"]] == ["新的标题"]
