"""A byline names the author's outlet at the time of writing (【文/观察者网 熊超然】), not the
article's source: in the API (`bylines[].author.outlet`) and in the preview."""

import pytest
from django.test import Client

from articles import services
from articles.documents import document_render
from articles.models import Byline, Document
from articles.services import BlockInput, BylineInput

from .factories import AuthorFactory, OutletFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/articles/"


def _article(editor, *, author, source=None, title="普京对阿塞拜疆进行国事访问"):
    return services.article_create(
        by=editor,
        title=title,
        source=source,
        bylines=[BylineInput(author=author)],
        body=[BlockInput(type="paragraph", text="当地时间8月18日晚，俄罗斯总统普京抵达巴库。")],
    )


def _preview(editor_api, article) -> str:
    url = editor_api.post(f"{URL}{article.pk}/preview/").json()["url"]
    return Client().get(url).content.decode()


def test_an_outlets_author_on_a_staff_article_is_credited_with_the_outlet(editor, editor_api, api):
    guancha = OutletFactory(name="观察者网", slug="guancha")
    article = _article(editor, author=AuthorFactory(name="熊超然", affiliation=guancha))
    services.article_publish(article_id=article.pk, by=editor)

    byline = api.get(f"/api/v1/articles/{article.pk}/").json()["bylines"][0]

    assert byline["author"]["name"] == "熊超然"
    assert byline["author"]["outlet"] == {"id": guancha.pk, "slug": "guancha", "name": "观察者网"}
    assert "【文/观察者网 熊超然】" in _preview(editor_api, article)


def test_a_staff_author_on_a_syndicated_article_is_credited_alone(editor, editor_api):
    article = _article(editor, author=AuthorFactory(name="何一鸣"), source=OutletFactory(name="观察者网"))

    assert editor_api.get(f"{URL}{article.pk}/").json()["bylines"][0]["author"]["outlet"] is None
    page = _preview(editor_api, article)
    assert "【文/何一鸣】" in page and "观察者网 何一鸣" not in page


def test_the_outlet_stays_the_one_at_the_time_of_writing(editor):
    old, new = OutletFactory(name="观察者网"), OutletFactory(name="澎湃新闻")
    author = AuthorFactory(name="林晓舟", affiliation=old)
    earlier = _article(editor, author=author, title="旧稿")
    author.affiliation = new
    author.save()

    # Editing the earlier article (its bylines written anew) keeps the outlet it was written for.
    services.article_update(
        article_id=earlier.pk,
        by=editor,
        expected_version=None,
        data={"title": "旧稿（更新）", "bylines": [BylineInput(author=author)]},
    )
    later = _article(editor, author=author, title="新稿")

    assert Byline.objects.get(article=earlier).outlet == old
    assert Byline.objects.get(article=later).outlet == new


def test_an_editor_may_name_the_outlet_of_a_guest_piece(editor):
    guest = OutletFactory(name="环球时报")
    article = services.article_create(
        by=editor, title="客座文章", bylines=[BylineInput(author=AuthorFactory(name="张三"), outlet=guest)]
    )
    assert Byline.objects.get(article=article).outlet == guest


def test_the_stored_article_is_keyed_by_its_bylines_outlets(editor):
    guancha = OutletFactory(name="观察者网")
    article = _article(editor, author=AuthorFactory(name="熊超然", affiliation=guancha))
    services.article_publish(article_id=article.pk, by=editor)

    document_render(article_id=article.pk)

    # Renaming the outlet (its key purged) then reaches the stored answer.
    assert f" outlet-{guancha.pk} " in Document.objects.get(article_id=article.pk).keys
