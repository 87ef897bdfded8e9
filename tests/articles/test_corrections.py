"""Corrections: editors add notes to published articles; readers get them in order; updated_at moves only then."""

import pytest

from articles import services
from articles.models import Article, Revision

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/articles/"


def _published(editor):
    article = services.article_create(by=editor, title="需要更正的报道")
    return services.article_publish(article_id=article.pk, by=editor)


def test_corrections_are_listed_in_order_and_move_updated_at(
    editor_api, editor, api, django_capture_on_commit_callbacks
):
    article = _published(editor)
    public = f"/api/v1/articles/{article.pk}/"
    before = api.get(public).json()

    with django_capture_on_commit_callbacks(execute=True):
        first = editor_api.post(f"{URL}{article.pk}/corrections/", {"text": "更正：访问为期两天。"}, format="json")
        second = editor_api.post(
            f"{URL}{article.pk}/corrections/", {"text": "更正：会晤地点为总统官邸。"}, format="json"
        )

    assert (first.status_code, second.status_code) == (201, 201)
    after = api.get(public).json()  # the cached answer was purged
    assert [c["text"] for c in after["corrections"]] == ["更正：访问为期两天。", "更正：会晤地点为总统官邸。"]
    assert all(c["created_at"] for c in after["corrections"])
    assert after["updated_at"] > before["updated_at"]
    assert after["published_at"] == before["published_at"]
    assert Revision.objects.filter(article=article, action="corrected").count() == 2


def test_corrections_on_unpublished_articles_are_409(editor_api, editor):
    draft = services.article_create(by=editor, title="还是草稿")

    response = editor_api.post(f"{URL}{draft.pk}/corrections/", {"text": "更正"}, format="json")

    assert response.status_code == 409
    assert response.json()["status"] == "draft"
    assert not draft.corrections.exists()


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {}, {"text": "\x00\x01"}])
def test_empty_corrections_are_400(editor_api, editor, body):
    article = _published(editor)
    version = Article.objects.get(pk=article.pk).version

    response = editor_api.post(f"{URL}{article.pk}/corrections/", body, format="json")

    assert response.status_code == 400
    assert Article.objects.get(pk=article.pk).version == version


def test_writers_cannot_add_corrections(writer_api, writer, editor):
    article = services.article_create(by=writer, title="写手的稿")
    services.article_publish(article_id=article.pk, by=editor)
    version = Article.objects.get(pk=article.pk).version
    assert writer_api.post(f"{URL}{article.pk}/corrections/", {"text": "更正"}, format="json").status_code == 403
    assert not article.corrections.exists()  # nothing was recorded
    assert Article.objects.get(pk=article.pk).version == version
