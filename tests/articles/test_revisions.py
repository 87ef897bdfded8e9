"""Revisions: every service save keeps one; they list, show a readable diff, and restore as a new one."""

import pytest
from django.core.exceptions import PermissionDenied

from articles import diff, services
from articles.models import Article, Revision
from articles.services import BlockInput, BylineInput
from media import services as media_services
from tests.media.factories import make_image

from .factories import AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/articles/"


def _edit(article_id, by, **data):
    version = Article.objects.get(pk=article_id).version
    return services.article_update(article_id=article_id, by=by, expected_version=version, data=data)


def test_every_save_through_the_services_keeps_a_revision(editor):
    section, tag, author = SectionFactory(name="国际"), TagFactory(name="俄罗斯"), AuthorFactory(name="熊超然")
    article = services.article_create(
        by=editor,
        title="普京抵达巴库",
        section=section,
        tags=[tag],
        bylines=[BylineInput(author=author, role="文")],
        body=[BlockInput(type="paragraph", text="当地时间8月18日晚，普京抵达巴库。")],
    )
    _edit(article.pk, editor, title="普京抵达阿塞拜疆首都巴库")
    services.article_publish(article_id=article.pk, by=editor)
    services.correction_add(article_id=article.pk, by=editor, text="更正：访问为期两天。")

    revisions = list(Revision.objects.filter(article=article).order_by("number"))
    assert [(r.number, r.action) for r in revisions] == [
        (1, "created"),
        (2, "edited"),
        (3, "published"),
        (4, "corrected"),
    ]
    assert all(r.created_by == editor for r in revisions)
    assert [r.version for r in revisions] == [1, 2, 3, 4]
    first = revisions[0].data
    assert first["title"] == "普京抵达巴库"
    assert first["section"] == {"id": section.pk, "name": "国际"}
    assert first["tags"] == [{"id": tag.pk, "name": "俄罗斯"}]
    assert first["bylines"] == [{"author": author.pk, "name": "熊超然", "role": "文"}]
    assert first["body"][0]["text"] == "当地时间8月18日晚，普京抵达巴库。"
    assert revisions[2].data["status"] == "published"
    assert revisions[3].data["corrections"][0]["text"] == "更正：访问为期两天。"


def test_a_refused_save_keeps_no_revision(editor, writer):
    article = services.article_create(by=editor, title="编辑的稿件")
    with pytest.raises(PermissionDenied):
        _edit(article.pk, writer, title="写手改标题")
    with pytest.raises(services.ArticleVersionConflict):
        services.article_update(article_id=article.pk, by=editor, expected_version=99, data={"title": "旧版本"})
    assert Revision.objects.filter(article=article).count() == 1


def test_restore_brings_the_content_back_as_a_new_revision(editor):
    article = services.article_create(
        by=editor, title="原标题", summary="原摘要", body=[BlockInput(type="paragraph", text="第一段。")]
    )
    _edit(article.pk, editor, title="改过的标题", summary="", body=[BlockInput(type="heading", text="小标题")])

    restored = services.article_restore(article_id=article.pk, number=1, by=editor)

    assert restored.title == "原标题"
    assert restored.summary == "原摘要"
    assert [(b.type, b.text) for b in restored.blocks.all()] == [("paragraph", "第一段。")]
    latest = Revision.objects.filter(article=article).order_by("-number").first()
    assert (latest.number, latest.action, latest.restored_from) == (3, "restored", 1)
    assert latest.data["title"] == "原标题"
    assert restored.version == 3


def test_restore_keeps_the_state_and_a_published_slug(editor):
    article = services.article_create(by=editor, title="第一个标题")
    services.article_publish(article_id=article.pk, by=editor)
    _edit(article.pk, editor, title="第二个标题")

    restored = services.article_restore(article_id=article.pk, number=1, by=editor)

    assert restored.title == "第一个标题"
    assert restored.status == "published"
    assert restored.slug == Article.objects.get(pk=article.pk).slug == "di-yi-ge-biao-ti"


def test_restore_leaves_out_what_was_deleted_since_and_says_so(editor):
    tag_kept, tag_gone = TagFactory(name="留下"), TagFactory(name="删掉")
    article = services.article_create(by=editor, title="有两个标签", tags=[tag_kept, tag_gone])
    _edit(article.pk, editor, tags=[])
    tag_gone.delete()

    services.article_restore(article_id=article.pk, number=1, by=editor)

    assert list(Article.objects.get(pk=article.pk).tags.values_list("name", flat=True)) == ["留下"]
    latest = Revision.objects.filter(article=article).order_by("-number").first()
    assert latest.note == "以下内容已被删除，未能恢复：标签 删掉"  # kept in the site's language


def test_restoring_a_missing_revision_raises_and_changes_nothing(editor):
    article = services.article_create(by=editor, title="只有一版")
    with pytest.raises(Revision.DoesNotExist):
        services.article_restore(article_id=article.pk, number=5, by=editor)
    assert Revision.objects.filter(article=article).count() == 1
    assert Article.objects.get(pk=article.pk).version == 1


def test_writers_restore_only_their_own_drafts(writer, other_writer, editor):
    article = services.article_create(by=writer, title="写手的稿")
    _edit(article.pk, writer, title="写手改了")
    with pytest.raises(PermissionDenied):
        services.article_restore(article_id=article.pk, number=1, by=other_writer)
    services.article_submit(article_id=article.pk, by=writer)
    with pytest.raises(PermissionDenied):
        services.article_restore(article_id=article.pk, number=1, by=writer)
    services.article_restore(article_id=article.pk, number=1, by=editor)
    assert Article.objects.get(pk=article.pk).title == "写手的稿"


# --- diff ----------------------------------------------------------------------


def test_chinese_text_diffs_by_character_and_latin_by_word():
    assert diff.text_diff("普京抵达巴库", "普京今晚抵达巴库") == [
        {"op": "equal", "text": "普京"},
        {"op": "insert", "text": "今晚"},
        {"op": "equal", "text": "抵达巴库"},
    ]
    assert diff.text_diff("Putin lands in Baku", "Putin arrives in Baku") == [
        {"op": "equal", "text": "Putin "},
        {"op": "delete", "text": "lands"},
        {"op": "insert", "text": "arrives"},
        {"op": "equal", "text": " in Baku"},
    ]


def test_body_diff_pairs_edited_blocks_and_reports_added_and_removed_ones():
    old = [
        {"type": "paragraph", "text": "第一段。", "attribution": "", "image": None},
        {"type": "paragraph", "text": "第二段<b>原文</b>。", "attribution": "", "image": None},
        {"type": "quote", "text": "引语", "attribution": "某人", "image": None},
    ]
    new = [
        {"type": "paragraph", "text": "第一段。", "attribution": "", "image": None},
        {"type": "paragraph", "text": "第二段<b>新文</b>。", "attribution": "", "image": None},
        {"type": "heading", "text": "新小标题", "attribution": "", "image": None},
    ]
    entries = diff.body_diff(old, new)
    assert [e["op"] for e in entries] == ["equal", "change", "delete", "insert"]
    assert entries[1]["segments"] == [
        {"op": "equal", "text": "第二段"},
        {"op": "delete", "text": "原"},
        {"op": "insert", "text": "新"},
        {"op": "equal", "text": "文。"},
    ]
    assert entries[2]["text"] == "引语 ——某人"


def test_diff_html_escapes_what_editors_typed():
    html = diff.segments_html(diff.text_diff("<script>", "<script>alert(1)"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<ins>alert(1)</ins>" in html


# --- API -------------------------------------------------------------------------


def _etag(client, article_id):
    return client.get(f"{URL}{article_id}/").headers["ETag"]


def test_revisions_list_and_detail_with_diff(editor_api, editor):
    article_id = editor_api.post(
        URL, {"title": "原标题", "body": [{"type": "paragraph", "html": "原文。"}]}, format="json"
    ).json()["id"]
    editor_api.patch(
        f"{URL}{article_id}/",
        {"title": "新标题", "body": [{"type": "paragraph", "html": "新文。"}]},
        format="json",
        HTTP_IF_MATCH=_etag(editor_api, article_id),
    )

    listed = editor_api.get(f"{URL}{article_id}/revisions/")
    assert listed.status_code == 200
    items = listed.json()["results"]
    assert [(i["number"], i["action"], i["title"], i["created_by"]) for i in items] == [
        (2, "edited", "新标题", editor.username),
        (1, "created", "原标题", editor.username),
    ]

    detail = editor_api.get(f"{URL}{article_id}/revisions/2/").json()
    assert detail["against"] == 1
    assert detail["data"]["title"] == "新标题"
    assert {"op": "delete", "text": "原"} in detail["diff"]["title"]
    assert detail["diff"]["body"][0]["op"] == "change"

    first = editor_api.get(f"{URL}{article_id}/revisions/1/").json()
    assert first["against"] is None
    assert first["diff"]["title"] == [{"op": "insert", "text": "原标题"}]

    against = editor_api.get(f"{URL}{article_id}/revisions/1/?against=2").json()
    assert against["against"] == 2


def test_restore_through_the_api(editor_api):
    article_id = editor_api.post(URL, {"title": "第一版"}, format="json").json()["id"]
    editor_api.patch(
        f"{URL}{article_id}/", {"title": "第二版"}, format="json", HTTP_IF_MATCH=_etag(editor_api, article_id)
    )

    response = editor_api.post(f"{URL}{article_id}/revisions/1/restore/")

    assert response.status_code == 200
    assert response.json()["title"] == "第一版"
    assert response.headers["ETag"] == f'"a{article_id}v3"'
    assert editor_api.get(f"{URL}{article_id}/revisions/").json()["results"][0]["restored_from"] == 1


def test_restore_with_a_stale_if_match_is_412(editor_api):
    article_id = editor_api.post(URL, {"title": "第一版"}, format="json").json()["id"]
    stale = _etag(editor_api, article_id)
    editor_api.patch(f"{URL}{article_id}/", {"title": "第二版"}, format="json", HTTP_IF_MATCH=stale)

    response = editor_api.post(f"{URL}{article_id}/revisions/1/restore/", HTTP_IF_MATCH=stale)

    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert Article.objects.get(pk=article_id).title == "第二版"


@pytest.mark.parametrize("path", ["revisions/9/", "revisions/9/restore/", "revisions/0/restore/"])
def test_missing_revisions_are_404_json(editor_api, path):
    article_id = editor_api.post(URL, {"title": "一版"}, format="json").json()["id"]
    method = editor_api.post if path.endswith("restore/") else editor_api.get

    response = method(f"{URL}{article_id}/{path}")

    assert response.status_code == 404
    assert response.json()["detail"].startswith("这篇文章没有第")
    assert Revision.objects.filter(article_id=article_id).count() == 1


@pytest.mark.parametrize("path", ["revisions/abc/", "revisions/-1/restore/", "revisions/99999999999/"])
def test_malformed_revision_numbers_are_404_json(editor_api, path):
    article_id = editor_api.post(URL, {"title": "一版"}, format="json").json()["id"]
    response = editor_api.get(f"{URL}{article_id}/{path}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_bad_against_is_400(editor_api):
    article_id = editor_api.post(URL, {"title": "一版"}, format="json").json()["id"]
    assert editor_api.get(f"{URL}{article_id}/revisions/1/?against=x").status_code == 400
    assert editor_api.get(f"{URL}{article_id}/revisions/1/?against=7").status_code == 404


def test_writers_see_revisions_of_their_own_articles_only(writer_api, editor_api, writer):
    theirs = editor_api.post(URL, {"title": "编辑稿"}, format="json").json()["id"]
    assert writer_api.get(f"{URL}{theirs}/revisions/").status_code == 404  # someone else's draft
    assert writer_api.post(f"{URL}{theirs}/revisions/1/restore/").status_code == 404


def test_restore_drops_a_deleted_photo_block_and_keeps_the_rest(editor, photo_editor):
    image = make_image(photo_editor, caption="巴库街景")
    article = services.article_create(
        by=editor,
        title="带图的稿件",
        body=[BlockInput(type="paragraph", text="正文。"), BlockInput(type="image", image=image)],
    )
    _edit(article.pk, editor, body=[BlockInput(type="paragraph", text="正文。")])
    media_services.image_delete(image_id=image.pk, by=photo_editor)

    services.article_restore(article_id=article.pk, number=1, by=editor)

    assert [b.type for b in Article.objects.get(pk=article.pk).blocks.all()] == ["paragraph"]
    assert f"图片 {image.pk}" in Revision.objects.filter(article=article).order_by("-number").first().note


def test_baseline_command_keeps_a_first_revision_of_articles_without_one(editor, capsys):
    from django.core.management import call_command

    from .factories import ArticleFactory, with_body

    bare = with_body(ArticleFactory(title="导入的旧稿"), "旧稿正文。")
    kept = services.article_create(by=editor, title="已有修订")

    call_command("revisions_baseline")
    call_command("revisions_baseline")

    assert "Kept a first revision of 1 article(s)." in capsys.readouterr().out
    revision = Revision.objects.get(article=bare)
    assert (revision.number, revision.action, revision.created_by) == (1, "created", None)
    assert revision.data["body"][0]["text"] == "旧稿正文。"
    assert Revision.objects.filter(article=kept).count() == 1
