"""The admin saves through the API's services: the same rules hold whichever door an editor uses."""

import re

import pytest

from articles import services
from articles.models import Article, Correction, Revision
from articles.services import BlockInput
from core.models import OutboxEvent

from .test_admin import _client
from .test_admin_workflow import _page_form, change_url

pytestmark = pytest.mark.django_db


def _published(editor, **fields):
    article = services.article_create(by=editor, body=[BlockInput(type="paragraph", text="正文。")], **fields)
    return services.article_publish(article_id=article.pk, by=editor)


def test_a_correction_typed_in_the_admin_goes_through_the_correction_service(editor):
    article = _published(editor, title="巴库会议开幕")
    client = _client(editor)
    page = client.get(change_url(article)).content.decode()
    prefix = re.search(r'name="(corrections-\d+)-TOTAL_FORMS"[^>]*value="1"', page)
    assert prefix, "a published article offers one new correction row"
    data = _page_form(client, article)
    data.update({f"{prefix.group(1)}-TOTAL_FORMS": "1", f"{prefix.group(1)}-0-text": "  更正：会期为十二天。\x07 "})

    assert client.post(change_url(article), data).status_code == 302

    correction = Correction.objects.get(article=article)
    assert (correction.text, correction.created_by) == ("更正：会期为十二天。", editor)  # cleaned as over the API
    latest = Revision.objects.filter(article=article).order_by("-number").first()
    assert latest.action == "corrected"
    assert OutboxEvent.objects.filter(subject=f"article:{article.pk}", type="article.updated").exists()


def test_drafts_offer_no_correction_and_kept_corrections_cannot_be_edited(editor):
    draft = services.article_create(by=editor, title="草稿")
    page = _client(editor).get(change_url(draft)).content.decode()
    assert not re.search(r'name="corrections-\d+-TOTAL_FORMS"[^>]*value="1"', page)

    article = _published(editor, title="已发布")
    services.correction_add(article_id=article.pk, by=editor, text="原来的更正。")
    client = _client(editor)
    data = _page_form(client, article)
    kept = Correction.objects.get(article=article)
    # A forged edit of the kept correction is not applied: the row is read-only.
    data.update({"corrections-TOTAL_FORMS": "1", "corrections-INITIAL_FORMS": "1"})
    data.update({"corrections-0-id": str(kept.pk), "corrections-0-text": "篡改", "corrections-0-DELETE": "on"})
    client.post(change_url(article), data)

    assert Correction.objects.get(pk=kept.pk).text == "原来的更正。"


def test_the_slug_of_a_published_article_cannot_change_in_the_admin(editor):
    article = _published(editor, title="普京访问巴库", slug="putin-baku")
    client = _client(editor)
    page = client.get(change_url(article)).content.decode()
    assert re.search(r'<input[^>]*name="slug"[^>]*disabled', page)

    response = client.post(change_url(article), _page_form(client, article, slug="another-slug", title="普京抵达巴库"))

    assert response.status_code == 302
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.slug) == ("普京抵达巴库", "putin-baku")


def test_a_draft_slug_typed_in_the_admin_is_kept(editor):
    article = services.article_create(by=editor, title="草稿标题")
    client = _client(editor)

    assert client.post(change_url(article), _page_form(client, article, slug="my-draft")).status_code == 302
    assert Article.objects.get(pk=article.pk).slug == "my-draft"


def test_a_save_the_services_refuse_comes_back_with_the_reason_and_the_text(editor):
    """A rule only the services know (an article cannot be related to itself) refuses the whole
    save, rolled back, and the page comes back with the reason and what the editor typed."""
    article = _published(editor, title="原标题")
    client = _client(editor)
    data = _page_form(client, article, title="我改的新标题")
    data.update({"picks-TOTAL_FORMS": "1", "picks-0-to_article": str(article.pk), "picks-0-position": ""})
    version = Article.objects.get(pk=article.pk).version

    response = client.post(change_url(article), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "文章不能把自己列为相关文章。" in page and "我改的新标题" in page
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.version) == ("原标题", version)
    assert not stored.picks.exists()
    assert Revision.objects.filter(article=article).count() == 2  # created, published: nothing new


def test_saving_an_unchanged_page_records_no_revision(editor):
    article = services.article_create(by=editor, title="不变", body=[BlockInput(type="paragraph", text="正文。")])
    client = _client(editor)
    before = (Article.objects.get(pk=article.pk).version, Revision.objects.filter(article=article).count())

    assert client.post(change_url(article), _page_form(client, article)).status_code == 302

    after = (Article.objects.get(pk=article.pk).version, Revision.objects.filter(article=article).count())
    assert after == before
    assert client.post(change_url(article), _page_form(client, article, title="变了")).status_code == 302
    assert Revision.objects.filter(article=article).count() == before[1] + 1


def test_a_new_article_from_the_admin_is_made_by_the_create_service(editor):
    from .test_admin import _form, _with_blocks

    client = _client(editor)
    data = _with_blocks(_form(client, title="新稿件"), ("paragraph", "第一段<script>x()</script>。", ""))

    response = client.post("/admin/articles/article/add/", data)

    assert response.status_code == 302
    article = Article.objects.get(title="新稿件")
    assert [b.text for b in article.blocks.all()] == ["第一段。"]
    assert article.created_by == editor and article.version == 1
    assert [r.action for r in Revision.objects.filter(article=article)] == ["created"]
    assert article.status_changes.count() == 1
