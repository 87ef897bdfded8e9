"""The admin as a newsroom desk: stale forms refused without losing text, who else is here,
revisions with a diff and restore, scheduling and what goes out next."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles import services
from articles.models import Article, EditSession, Revision
from articles.services import BlockInput

from .test_admin import _client, _form, _with_blocks

pytestmark = pytest.mark.django_db


def change_url(article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def _page_form(client, article, **fields) -> dict:
    """What the change page would post back: its current fields and body rows, plus our changes."""
    page = client.get(change_url(article)).content.decode()
    data = _form(client, change_url(article))
    data.update({"title": article.title, "slug": article.slug})
    blocks = list(article.blocks.all())
    data.update({"blocks-TOTAL_FORMS": str(len(blocks)), "blocks-INITIAL_FORMS": str(len(blocks))})
    for index, block in enumerate(blocks):
        data.update(
            {
                f"blocks-{index}-id": str(block.pk),
                f"blocks-{index}-article": str(article.pk),
                f"blocks-{index}-type": block.type,
                # As the page posts it: a paragraph's text from its editor, the others' from their box.
                f"blocks-{index}-html": block.text if block.type == "paragraph" else "",
                f"blocks-{index}-text": "" if block.type == "paragraph" else block.text,
                f"blocks-{index}-attribution": block.attribution,
                f"blocks-{index}-position": str(block.position),
            }
        )
    assert 'name="opened_version"' in page
    data.update(fields)
    return data


def _edited_elsewhere(article, by, **data):
    version = Article.objects.get(pk=article.pk).version
    services.article_update(article_id=article.pk, by=by, expected_version=version, data=data)


@pytest.fixture
def second_editor(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("editor2", password="x", first_name="王编辑", is_staff=True)
    user.groups.add(Group.objects.get(name="editor"))
    return user


def test_a_stale_form_is_refused_and_the_editors_text_comes_back(editor, second_editor):
    article = services.article_create(by=editor, title="原标题", body=[BlockInput(type="paragraph", text="原文。")])
    mine = _client(editor)
    data = _page_form(mine, article)  # opened at version 1
    # Meanwhile another editor saves through the API's service (which writes the body anew).
    _edited_elsewhere(
        article, second_editor, title="别人改的标题", body=[BlockInput(type="paragraph", text="别人的正文。")]
    )
    data["title"] = "我的标题"
    data["blocks-0-html"] = "<p>我写了很久的一段正文。</p>"

    response = mine.post(change_url(article), data)

    assert response.status_code == 200  # the form again, not a redirect
    page = response.content.decode()
    assert "没有保存" in page
    assert "王编辑" in page and "第 2 版" in page
    assert "我的标题" in page and "我写了很久的一段正文。" in page
    stored = Article.objects.get(pk=article.pk)
    assert stored.title == "别人改的标题"
    assert [b.text for b in stored.blocks.all()] == ["别人的正文。"]
    assert 'name="opened_version" value="2"' in page


def test_saving_the_refused_page_again_replaces_the_other_version_cleanly(editor, second_editor):
    article = services.article_create(by=editor, title="原标题", body=[BlockInput(type="paragraph", text="原文。")])
    mine = _client(editor)
    data = _page_form(mine, article)
    _edited_elsewhere(article, second_editor, body=[BlockInput(type="paragraph", text="别人的正文。")])
    data["blocks-0-html"] = "<p>我的正文。</p>"
    page = mine.post(change_url(article), data).content.decode()

    # The browser posts the refused page back as it was shown.
    again = dict(data)
    again["opened_version"] = re.search(r'name="opened_version" value="(\d+)"', page).group(1)
    again["blocks-INITIAL_FORMS"] = "0"
    again["blocks-0-id"] = ""
    response = mine.post(change_url(article), again)

    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk)
    assert [b.text for b in stored.blocks.all()] == ["我的正文。"]
    assert stored.version == 3
    assert Revision.objects.filter(article=article).order_by("-number").first().created_by == editor


def test_a_form_without_its_version_is_refused(editor):
    article = services.article_create(by=editor, title="原标题")
    client = _client(editor)
    data = _page_form(client, article, title="新标题")
    del data["opened_version"]

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    assert "没有保存" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "原标题"


def test_an_up_to_date_form_saves_and_keeps_a_revision(editor):
    article = services.article_create(by=editor, title="原标题", body=[BlockInput(type="paragraph", text="原文。")])
    client = _client(editor)

    response = client.post(change_url(article), _page_form(client, article, title="新标题"))

    assert response.status_code == 302
    latest = Revision.objects.filter(article=article).order_by("-number").first()
    assert (latest.number, latest.action, latest.data["title"]) == (2, "edited", "新标题")
    assert latest.data["body"][0]["text"] == "原文。"


def test_the_page_shows_who_else_has_the_article_open(editor, second_editor):
    article = services.article_create(by=editor, title="大家都在看")
    _client(second_editor).get(change_url(article))

    page = _client(editor).get(change_url(article)).content.decode()

    assert "王编辑 也打开了这篇文章" in page


def test_the_soft_lock_lapses_when_the_page_stops_beating(editor, second_editor, settings):
    article = services.article_create(by=editor, title="大家都在看")
    _client(second_editor).get(change_url(article))
    EditSession.objects.filter(user=second_editor).update(
        seen_at=timezone.now() - timedelta(seconds=settings.EDIT_SESSION_SECONDS + 1)
    )

    page = _client(editor).get(change_url(article)).content.decode()

    assert "也打开了这篇文章" not in page


def test_presence_heartbeat_answers_others_and_changes_since_the_page_loaded(editor, second_editor):
    article = services.article_create(by=editor, title="心跳")
    theirs = _client(second_editor)
    theirs.get(change_url(article))
    mine = _client(editor)
    mine.get(change_url(article))
    _edited_elsewhere(article, second_editor, title="心跳2")
    url = f"/admin/articles/article/{article.pk}/presence/"

    answer = mine.post(url, {"version": "1"}).json()

    assert answer["version"] == 2
    assert [o["name"] for o in answer["others"]] == ["王编辑"]
    assert len(answer["changes"]) == 1 and "王编辑" in answer["changes"][0]

    theirs.post(url, {"leave": "1"})
    assert mine.post(url, {"version": "2"}).json() == {"version": 2, "others": [], "changes": []}
    assert mine.get(url).status_code == 405
    assert mine.post("/admin/articles/article/999999/presence/", {"version": "1"}).status_code == 404
    huge = "99999999999999999999999"
    assert mine.post(f"/admin/articles/article/{huge}/presence/", {"version": huge}).status_code == 404
    assert mine.post(url, {"version": huge}).json()["changes"] == []
    assert mine.get(f"/admin/articles/article/{article.pk}/revisions/{huge}/").status_code == 404


def test_writers_get_no_presence_for_articles_that_are_not_theirs(editor, writer):
    article = services.article_create(by=editor, title="编辑稿")
    writer_client = _client(writer)
    assert writer_client.post(f"/admin/articles/article/{article.pk}/presence/").status_code == 404
    writer_client.get(change_url(article))
    assert not EditSession.objects.filter(article=article, user=writer).exists()


def test_a_writer_reading_their_submitted_article_is_not_shown_as_editing(editor, writer):
    """In review the writer's page is read-only: opening it, and its heartbeat, hold no soft lock."""
    article = services.article_create(by=writer, title="已提交的稿件")
    services.article_submit(article_id=article.pk, by=writer)
    writer_client = _client(writer)

    assert writer_client.get(change_url(article)).status_code == 200
    assert writer_client.post(f"/admin/articles/article/{article.pk}/presence/", {"version": "2"}).status_code == 200

    assert not EditSession.objects.filter(article=article, user=writer).exists()
    assert "也打开了这篇文章" not in _client(editor).get(change_url(article)).content.decode()


def test_revisions_pages_show_a_readable_diff_and_restore(editor):
    article = services.article_create(
        by=editor, title="普京抵达巴库", body=[BlockInput(type="paragraph", text="当地时间8月18日晚。")]
    )
    _edited_elsewhere(
        article, editor, title="普京今晚抵达巴库", body=[BlockInput(type="paragraph", text="当地时间8月19日晚。")]
    )
    client = _client(editor)

    listing = client.get(f"/admin/articles/article/{article.pk}/revisions/").content.decode()
    assert "#1" in listing and "#2" in listing and "普京今晚抵达巴库" in listing

    page = client.get(f"/admin/articles/article/{article.pk}/revisions/2/").content.decode()
    assert "<ins>今晚</ins>" in page
    assert "<del>18</del><ins>19</ins>" in page  # numbers change as a whole

    response = client.post(f"/admin/articles/article/{article.pk}/revisions/1/")
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).title == "普京抵达巴库"
    latest = Revision.objects.filter(article=article).order_by("-number").first()
    assert (latest.number, latest.action, latest.restored_from) == (3, "restored", 1)

    assert client.get(f"/admin/articles/article/{article.pk}/revisions/9/").status_code == 404
    assert client.post(f"/admin/articles/article/{article.pk}/revisions/9/").status_code == 404


def test_schedule_and_cancel_from_the_admin_and_the_list_of_what_goes_out_next(editor):
    article = services.article_create(by=editor, title="明早发布")
    later = services.article_create(by=editor, title="后天发布")
    services.article_schedule(article_id=later.pk, by=editor, at=timezone.now() + timedelta(days=2))
    client = _client(editor)
    at = timezone.localtime(timezone.now() + timedelta(hours=10)).replace(microsecond=0)

    response = client.post(
        change_url(article), _page_form(client, article, schedule_at=at.strftime("%Y-%m-%dT%H:%M:%S"), _schedule="1")
    )

    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk)
    assert (stored.status, stored.published_at) == ("scheduled", at)
    schedule = client.get("/admin/articles/article/schedule/").content.decode()
    assert schedule.index("明早发布") < schedule.index("后天发布")

    client.post(change_url(article), _page_form(client, stored, _unschedule="1"))
    assert Article.objects.get(pk=article.pk).status == "draft"
    schedule = client.get("/admin/articles/article/schedule/").content.decode()
    assert "明早发布" not in schedule.split('id="content-main"')[1]


@pytest.mark.parametrize("value", ["", "2001-01-01T08:00", "明天早上", "2206-01-01T08:00", "2026-02-30T08:00"])
def test_scheduling_in_the_past_or_without_a_time_is_refused_on_the_form(editor, value):
    article = services.article_create(by=editor, title="不能排期")
    client = _client(editor)

    response = client.post(change_url(article), _page_form(client, article, schedule_at=value, _schedule="1"))

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == "draft"


def test_the_change_page_links_a_working_preview(editor):
    article = services.article_create(by=editor, title="预览我")
    page = _client(editor).get(change_url(article)).content.decode()
    link = re.search(r'href="(/preview/[^"]+)"', page).group(1)
    assert "<h1>预览我</h1>" in Client().get(link).content.decode()
    again = _client(editor).get(change_url(article)).content.decode()
    assert re.search(r'href="(/preview/[^"]+)"', again).group(1) == link  # not minted on every view


def test_the_change_page_revokes_its_preview_links(editor):
    article = services.article_create(by=editor, title="撤销预览")
    client = _client(editor)
    link = re.search(r'href="(/preview/[^"]+)"', client.get(change_url(article)).content.decode()).group(1)

    response = client.post(f"/admin/articles/article/{article.pk}/preview/revoke/", follow=True)

    assert "已撤销 1 个预览链接" in response.content.decode()
    assert Client().get(link).status_code == 410
    assert client.get(f"/admin/articles/article/{article.pk}/preview/revoke/").status_code == 405


def test_a_new_article_from_the_admin_keeps_its_first_revision(editor):
    client = _client(editor)
    data = _with_blocks(_form(client, title="后台新稿"), ("paragraph", "第一段。", ""))

    assert client.post("/admin/articles/article/add/", data).status_code == 302

    revision = Revision.objects.get(article__title="后台新稿")
    assert (revision.number, revision.action, revision.data["body"][0]["text"]) == (1, "created", "第一段。")


def test_the_schedule_page_cancels_a_schedule(editor, writer):
    article = services.article_create(by=editor, title="取消这一篇")
    services.article_schedule(article_id=article.pk, by=editor, at=timezone.now() + timedelta(hours=3))
    url = "/admin/articles/article/schedule/"

    assert _client(writer).post(url, {"cancel": str(article.pk)}).status_code == 302
    assert Article.objects.get(pk=article.pk).status == "scheduled"  # writers see only their own rows

    response = _client(editor).post(url, {"cancel": str(article.pk)}, follow=True)

    assert "已取消定时发布" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == "draft"
    for bad in ("abc", "", "99999999999999999999999"):
        assert "没有这篇文章" in _client(editor).post(url, {"cancel": bad}, follow=True).content.decode()


def test_a_row_deleted_on_a_stale_page_stays_deleted_when_saved_again(editor, second_editor):
    article = services.article_create(
        by=editor,
        title="两段",
        body=[BlockInput(type="paragraph", text="留下这段。"), BlockInput(type="paragraph", text="删掉这段。")],
    )
    mine = _client(editor)
    data = _page_form(mine, article)
    _edited_elsewhere(article, second_editor, title="两段（改）")
    data["blocks-1-DELETE"] = "on"
    page = mine.post(change_url(article), data).content.decode()
    assert "没有保存" in page

    again = dict(data)
    again.update(
        {
            "opened_version": re.search(r'name="opened_version" value="(\d+)"', page).group(1),
            "blocks-INITIAL_FORMS": "0",
            "blocks-0-id": "",
            "blocks-1-id": "",
        }
    )
    assert mine.post(change_url(article), again).status_code == 302
    assert [b.text for b in Article.objects.get(pk=article.pk).blocks.all()] == ["留下这段。"]


def test_the_article_list_shows_who_has_each_article_open(editor, second_editor):
    article = services.article_create(by=editor, title="列表里的稿件")
    _client(second_editor).get(change_url(article))

    page = _client(editor).get("/admin/articles/article/").content.decode()

    assert "王编辑" in page


def test_a_revision_shows_a_swapped_photo_as_thumbnails_not_an_id(editor, photo_editor):
    from tests.media.factories import make_image

    first = make_image(photo_editor, caption="巴库街景")
    second = make_image(photo_editor, seed=1, caption="巴库夜景")
    article = services.article_create(
        by=editor, title="图片稿", body=[BlockInput(type="image", image=first, text="街景")]
    )
    _edited_elsewhere(article, editor, body=[BlockInput(type="image", image=second, text="夜景")])

    page = _client(editor).get(f"/admin/articles/article/{article.pk}/revisions/2/").content.decode()

    assert "[图片" not in page
    photos = re.findall(r'<img class="diff-photo (\w+)" src="([^"]+)"', page)
    assert [state for state, _ in photos] == ["delete", "change"]
    assert photos[0][1] != photos[1][1]
    assert "<span>图片：</span><del>街</del><ins>夜</ins><span>景</span>" in page
