"""Signed preview links: the article as a page shaped like the seed, whatever its status, until the link expires."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from articles import documents, services
from articles.models import PreviewLink
from articles.services import BlockInput, BylineInput
from tests.media.factories import make_image
from trending.selectors import snapshot_key

from .factories import ArticleFactory, AuthorFactory, OutletFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/articles/"


def _draft(editor, photo_editor, **extra):
    outlet = OutletFactory(name="观察者网")
    image = make_image(photo_editor, caption="普京抵达巴库", creator="某摄影师", credit_line="澎湃影像")
    tag = TagFactory(name="俄罗斯")
    return services.article_create(
        by=editor,
        title="普京对阿塞拜疆进行国事访问",
        source=outlet,
        tags=[tag],
        bylines=[BylineInput(author=AuthorFactory(name="熊超然", affiliation=outlet), role="文")],
        body=[
            BlockInput(type="paragraph", text="当地时间8月18日晚，俄罗斯总统普京抵达<b>巴库</b>。"),
            BlockInput(type="image", image=image, text="普京乘坐专机抵达巴库"),
            BlockInput(type="quote", text="这是阿塞拜疆内政", attribution="克里姆林宫"),
        ],
        **extra,
    )


def _link(client, article_id) -> str:
    response = client.post(f"{URL}{article_id}/preview/")
    assert response.status_code == 200
    return response.json()["url"]


def test_a_draft_previews_like_the_seed_page(editor_api, editor, photo_editor):
    article = _draft(editor, photo_editor)
    related = ArticleFactory(title="阿塞拜疆总统会见普京")
    related.tags.add(article.tags.first())
    documents.documents_rebuild()  # made by a factory: its document, as the change stream would
    cache.set(
        snapshot_key("now", ""),
        {"items": [{"rank": 1, "short_title": "热门第一条", "short_summary": "热门摘要"}]},
    )

    url = _link(editor_api, article.pk)
    page = Client().get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>普京对阿塞拜疆进行国事访问</h1>" in html
    assert "文/熊超然" in html
    assert "【文/观察者网 熊超然】" in html
    assert "当地时间8月18日晚，俄罗斯总统普京抵达<b>巴库</b>。" in html
    assert "普京乘坐专机抵达巴库" in html and "澎湃影像" in html
    assert "——克里姆林宫" in html
    assert "阿塞拜疆总统会见普京" in html
    assert "热门资讯" in html and "热门第一条" in html
    assert "草稿" in html and "读者还看不到" in html
    assert "no-store" in page["Cache-Control"]
    assert page["X-Robots-Tag"] == "noindex, nofollow"


def test_the_preview_escapes_what_the_body_cannot_hold(editor_api, editor):
    article = services.article_create(
        by=editor,
        title="<script>alert(1)</script>标题",
        body=[BlockInput(type="paragraph", text='正文<img src=x onerror="alert(1)"><script>x()</script>')],
    )
    html = Client().get(_link(editor_api, article.pk)).content.decode()
    assert "<script>alert(1)" not in html
    assert "onerror" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;标题" in html


def test_forged_and_garbled_links_are_404(editor_api, editor):
    article = services.article_create(by=editor, title="草稿")
    url = _link(editor_api, article.pk)
    token = re.search(r"/preview/([^/]+)/", url).group(1)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in (f"/preview/{forged}/", "/preview/abc/", f"/preview/{article.pk}/", f"/preview/{'x' * 5000}/"):
        response = Client().get(path)
        assert response.status_code == 404
        assert "预览链接无效" in response.content.decode()


def test_expired_links_are_410_and_a_new_one_is_made(editor_api, editor):
    article = services.article_create(by=editor, title="草稿")
    url = _link(editor_api, article.pk)
    PreviewLink.objects.filter(article=article).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(url)
    assert response.status_code == 410
    assert "过期" in response.content.decode()
    assert _link(editor_api, article.pk) != url


def test_the_same_link_until_the_article_changes_and_the_page_names_its_version(editor_api, editor):
    article = services.article_create(by=editor, title="第一版标题")
    first = editor_api.post(f"{URL}{article.pk}/preview/").json()
    assert _link(editor_api, article.pk) == first["url"]  # not minted anew
    assert first["version"] == article.version
    assert "changed" not in Client().get(first["url"]).content.decode()

    services.article_update(article_id=article.pk, by=editor, expected_version=None, data={"title": "第二版标题"})

    page = Client().get(first["url"]).content.decode()  # the old link still works, shows its version, says so
    assert "第一版标题" in page and "第二版标题" not in page
    assert f"链接生成于第 {article.version} 版" in page and 'data-testid="changed"' in page
    second = editor_api.post(f"{URL}{article.pk}/preview/").json()
    assert second["url"] != first["url"] and second["version"] == article.version + 1
    assert 'data-testid="changed"' not in Client().get(second["url"]).content.decode()


def test_revoked_links_are_410_for_everyone_who_holds_them(editor_api, editor):
    article = services.article_create(by=editor, title="发错人的预览")
    url = _link(editor_api, article.pk)

    assert editor_api.delete(f"{URL}{article.pk}/preview/").status_code == 204

    response = Client().get(url)
    assert response.status_code == 410 and "撤销" in response.content.decode()
    assert PreviewLink.objects.get(article=article).revoked_by == editor
    assert Client().get(_link(editor_api, article.pk)).status_code == 200  # a new one works


def test_a_deleted_article_previews_as_404(editor_api, editor):
    article = services.article_create(by=editor, title="将被删除")
    url = _link(editor_api, article.pk)
    services.article_delete(article_id=article.pk, by=editor)
    assert Client().get(url).status_code == 404


def test_writers_get_links_for_their_own_articles_only(writer_api, editor_api, writer):
    own = writer_api.post(URL, {"title": "写手稿"}, format="json").json()["id"]
    theirs = editor_api.post(URL, {"title": "编辑稿"}, format="json").json()["id"]
    assert Client().get(_link(writer_api, own)).status_code == 200
    assert writer_api.post(f"{URL}{theirs}/preview/").status_code == 404  # someone else's draft
    assert Client().post(f"{URL}{own}/preview/").status_code in (401, 403)


def test_a_link_shows_the_version_it_was_made_for_never_a_later_edit(editor_api, editor, photo_editor):
    article = _draft(editor, photo_editor)
    url = _link(editor_api, article.pk)
    other = make_image(photo_editor, seed=3, caption="后来换上的图片", credit_line="后来的图片社")

    services.article_update(
        article_id=article.pk,
        by=editor,
        expected_version=None,
        data={
            "title": "改过的标题：内容已撤换",
            "body": [
                BlockInput(type="paragraph", text="后来写进去的一段。"),
                BlockInput(type="image", image=other, text="后来换上的图片"),
            ],
        },
    )
    page = Client().get(url).content.decode()

    assert "普京对阿塞拜疆进行国事访问" in page and "俄罗斯总统普京抵达<b>巴库</b>" in page
    assert "澎湃影像" in page and "这是阿塞拜疆内政" in page and "熊超然" in page and "#俄罗斯" in page
    assert "改过的标题" not in page and "后来写进去的一段" not in page and "后来的图片社" not in page


def test_unpublishing_revokes_every_preview_link_of_the_article(editor_api, editor):
    article = services.article_create(by=editor, title="将被撤下的稿件")
    early = _link(editor_api, article.pk)
    services.article_publish(article_id=article.pk, by=editor)
    late = _link(editor_api, article.pk)
    assert Client().get(early).status_code == 200 and Client().get(late).status_code == 200

    services.article_unpublish(article_id=article.pk, by=editor)

    for url in (early, late):
        response = Client().get(url)
        assert response.status_code == 410 and "撤销" in response.content.decode()
    assert set(PreviewLink.objects.filter(article=article).values_list("revoked_by", flat=True)) == {editor.pk}
