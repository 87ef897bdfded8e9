"""Every workflow transition is recorded (who, when, from, to) and shown to editors."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article, StatusChange

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/articles/"


def test_api_transitions_are_recorded_with_who_and_states(writer_api, editor_api, writer, editor):
    article_id = writer_api.post(URL, {"title": "流程稿件"}, format="json").json()["id"]
    writer_api.post(f"{URL}{article_id}/submit/")
    editor_api.post(f"{URL}{article_id}/publish/")
    editor_api.post(f"{URL}{article_id}/unpublish/")

    trail = [(c.from_status, c.to_status, c.by) for c in StatusChange.objects.filter(article_id=article_id)]
    shown = editor_api.get(f"{URL}{article_id}/").json()["transitions"]

    assert trail == [
        ("", "draft", writer),
        ("draft", "review", writer),
        ("review", "published", editor),
        ("published", "archived", editor),
    ]
    assert [(t["from"], t["to"], t["by"]) for t in shown] == [
        (None, "draft", "writer1"),
        ("draft", "review", "writer1"),
        ("review", "published", "editor1"),
        ("published", "archived", "editor1"),
    ]


def test_refused_transitions_record_nothing(writer_api, editor_api):
    article_id = writer_api.post(URL, {"title": "稿件"}, format="json").json()["id"]

    assert writer_api.post(f"{URL}{article_id}/publish/").status_code == 403
    assert editor_api.post(f"{URL}{article_id}/unpublish/").status_code == 409

    assert StatusChange.objects.filter(article_id=article_id).count() == 1


def test_the_schedule_publishing_is_recorded_without_a_person(editor):
    article = services.article_create(by=editor, title="定时稿件")
    services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(minutes=5))
    Article.objects.filter(pk=article.pk).update(published_at=timezone.now() - timedelta(seconds=1))

    services.publish_due()

    last = StatusChange.objects.filter(article=article).last()
    assert (last.from_status, last.to_status, last.by) == ("scheduled", "published", None)


def test_admin_shows_the_trail(editor):
    article = services.article_create(by=editor, title="看记录")
    services.article_publish(article_id=article.pk, by=editor)
    client = Client()
    client.force_login(editor)

    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()

    assert "editor1" in page and "已发布" in page


def test_publishing_an_archived_article_is_409_with_its_state(editor_api, editor):
    article = services.article_create(by=editor, title="已归档")
    services.article_publish(article_id=article.pk, by=editor)
    services.article_unpublish(article_id=article.pk, by=editor)

    for action in ("publish", "submit", "unpublish", "unschedule"):
        response = editor_api.post(f"{URL}{article.pk}/{action}/")
        assert response.status_code == 409, action
        assert response.json()["status"] == "archived"
    assert Article.objects.get(pk=article.pk).status == "archived"


def test_submitting_someone_elses_draft_is_refused_in_the_service_too(writer, other_writer):
    article = services.article_create(by=writer, title="别人的稿")
    with pytest.raises(PermissionDenied):
        services.article_submit(article_id=article.pk, by=other_writer)
    assert Article.objects.get(pk=article.pk).status == "draft"
    assert StatusChange.objects.filter(article=article).count() == 1


def test_the_state_is_a_conflict_and_the_person_a_refusal(writer_api, writer, other_writer):
    """409 when the article's state forbids the move (a writer submitting twice), 403 when the
    person may not make it (another writer's draft, or a writer publishing)."""
    article_id = writer_api.post(URL, {"title": "两次提交"}, format="json").json()["id"]
    assert writer_api.post(f"{URL}{article_id}/submit/").status_code == 200

    again = writer_api.post(f"{URL}{article_id}/submit/")
    assert again.status_code == 409, again.content
    assert again["Content-Type"].startswith("application/json")

    draft = services.article_create(by=writer, title="别人的稿件")
    with pytest.raises(PermissionDenied):
        services.article_submit(article_id=draft.pk, by=other_writer)
    assert StatusChange.objects.filter(article_id=article_id).count() == 2


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        ("draft", {"submit", "publish", "schedule"}),
        ("review", {"publish", "schedule"}),
        ("scheduled", {"publish", "schedule", "unschedule", "unpublish"}),
        ("published", {"unpublish"}),
        ("archived", set()),
    ],
)
def test_one_table_says_which_moves_each_state_allows(editor, writer, status, allowed):
    article = Article(status=status, created_by=writer, published_at=timezone.now() + timedelta(hours=1))
    assert {name for name in services.TRANSITIONS if services.transition_allowed(name, article, editor)} == allowed
    writer_moves = {name for name in services.TRANSITIONS if services.transition_allowed(name, article, writer)}
    assert writer_moves == allowed & {"submit"}


def test_transition_times_carry_the_sites_offset_like_every_other_time(editor_api):
    article = editor_api.post(URL, {"title": "时区"}, format="json").json()
    shown = editor_api.get(f"{URL}{article['id']}/").json()

    assert shown["updated_at"].endswith("+08:00")
    assert shown["transitions"][0]["at"].endswith("+08:00")
