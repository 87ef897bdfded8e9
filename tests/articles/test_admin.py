"""The article desk in the admin: Chinese labels, composing a body, buttons that call the services."""

import re

import pytest
from django.test import Client

from articles.models import Article, Block, Byline
from search import services as search_services
from tests.articles.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(client, url=ADD_URL, **fields) -> dict:
    """The form's management fields as the page gives them, plus our fields."""
    page = client.get(url).content.decode()
    data = {}
    for prefix in re.findall(r'name="([^"]+)-TOTAL_FORMS"', page):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    # A select always posts its value (search boost: none).
    data.update({"title": "", "slug": "", "summary": "", "original_url": "", "search_boost": "0"})
    opened = re.search(r'name="opened_version" value="(\d+)"', page)
    if opened:
        data["opened_version"] = opened.group(1)
    data.update(fields)
    return data


def _with_blocks(data: dict, *blocks: tuple[str, str, str]) -> dict:
    data["blocks-TOTAL_FORMS"] = str(len(blocks))
    for index, (kind, text, attribution) in enumerate(blocks):
        data.update(
            {
                f"blocks-{index}-type": kind,
                f"blocks-{index}-text": text,
                f"blocks-{index}-attribution": attribution,
                f"blocks-{index}-position": "",
            }
        )
    return data


def test_changelist_is_in_chinese_and_shows_bylines(editor):
    article = ArticleFactory(title="普京对阿塞拜疆进行国事访问")
    Byline.objects.create(article=article, author=AuthorFactory(name="熊超然"), role="文")

    page = _client(editor).get("/admin/articles/article/").content.decode()

    assert "普京对阿塞拜疆进行国事访问" in page
    assert "文/熊超然" in page
    for label in ("标题", "状态", "栏目", "署名", "发布时间", "立即发布所选文章"):
        assert label in page


def test_editor_composes_a_body_without_json_and_publishes_with_the_button(editor):
    client = _client(editor)
    section = SectionFactory()
    author = AuthorFactory()
    data = _with_blocks(
        _form(client, title="济南发布暴雪预警", section=str(section.pk)),
        ("paragraph", "受冷空气影响<script>x()</script>，<b>济南</b>将迎来降雪。", ""),
        ("heading", "出行提示", ""),
        ("quote", "请减少不必要的外出。", "市气象台"),
    )
    data.update(
        {
            "bylines-TOTAL_FORMS": "1",
            "bylines-0-author": str(author.pk),
            "bylines-0-role": "记者",
            "bylines-0-position": "0",
            "_publish": "1",
        }
    )

    response = client.post(ADD_URL, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    article = Article.objects.get()
    assert article.status == Article.Status.PUBLISHED
    assert article.slug == "ji-nan-fa-bu-bao-xue-yu-jing"
    assert article.created_by == editor
    assert list(Block.objects.filter(article=article).values_list("type", "text", "attribution")) == [
        ("paragraph", "受冷空气影响，<b>济南</b>将迎来降雪。", ""),
        ("heading", "出行提示", ""),
        ("quote", "请减少不必要的外出。", "市气象台"),
    ]
    assert article.derived_summary == "受冷空气影响，济南将迎来降雪。"
    assert [(b.author, b.role) for b in article.bylines.all()] == [(author, "记者")]


def test_writer_cannot_publish_from_the_admin(writer):
    client = _client(writer)
    response = client.post(ADD_URL, _form(client, title="写手草稿", _publish="1"), follow=True)

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert "只有编辑可以发布文章。" in response.content.decode()
    assert "保存并立即发布" not in client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()


def test_unknown_block_content_is_refused_with_a_message(editor):
    client = _client(editor)
    data = _with_blocks(_form(client, title="空段落"), ("paragraph", "<script>only()</script>", ""))

    response = client.post(ADD_URL, data)

    assert response.status_code == 200
    assert "第 1 块：这个段落没有文字。" in response.content.decode()
    assert not Article.objects.exists()


def test_publish_action_reports_each_article(editor):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, first_published_at=None)
    archived = ArticleFactory(status=Article.Status.ARCHIVED)

    response = _client(editor).post(
        "/admin/articles/article/",
        {"action": "publish_selected", "_selected_action": [draft.pk, archived.pk]},
        follow=True,
    )

    draft.refresh_from_db()
    archived.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert archived.status == Article.Status.ARCHIVED
    assert f"《{archived.title}》：状态为“已归档”的文章不能发布。" in response.content.decode()
    assert f"《{draft.title}》已发布。" in response.content.decode()


def test_author_autocomplete_finds_chinese_names(editor):
    AuthorFactory(name="熊超然")
    AuthorFactory(name="张三")

    response = _client(editor).get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "byline", "field_name": "author", "term": "熊"},
    )

    assert [item["text"] for item in response.json()["results"]] == ["熊超然"]


def test_the_related_article_chooser_offers_published_articles_only(editor):
    ArticleFactory(title="已发布的新闻甲")
    ArticleFactory(title="未发布的新闻乙", status="draft", published_at=None, first_published_at=None)
    search_services.rebuild()  # factories skip the change stream; the search box reads the index

    response = _client(editor).get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "relatedpick", "field_name": "to_article", "term": "新闻"},
    )

    assert response.status_code == 200
    assert [item["text"] for item in response.json()["results"]] == ["已发布的新闻甲"]
