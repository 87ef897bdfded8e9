"""The public article API: contract shapes, visibility, filters, bad input, query counts, caching."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import documents, services
from articles.models import Article, Block, Correction, RelatedPick
from core import api_cache
from tests.articles.factories import (
    ArticleFactory,
    AuthorFactory,
    SectionFactory,
    TagFactory,
    with_body,
    with_bylines,
)

pytestmark = pytest.mark.django_db

LIST_ITEM_FIELDS = {"id", "slug", "title", "summary", "section", "authors", "published_at", "lead_image", "view_count"}
DETAIL_FIELDS = LIST_ITEM_FIELDS | {
    "body",
    "bylines",
    "tags",
    "source",
    "original_url",
    "first_published_at",
    "updated_at",
    "corrections",
    "related",
}


def test_list_item_has_contract_fields_and_times_in_shanghai(api):
    author = AuthorFactory(name="熊超然", slug="xiong-chao-ran")
    article = with_bylines(ArticleFactory(title="普京访问阿塞拜疆"), author)

    response = api.get("/api/v1/articles/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    item = body["results"][0]
    assert set(item) == LIST_ITEM_FIELDS
    assert item["id"] == article.pk
    assert item["title"] == "普京访问阿塞拜疆"
    assert item["authors"] == [{"id": author.pk, "slug": "xiong-chao-ran", "name": "熊超然"}]
    assert item["published_at"].endswith("+08:00")
    assert "普京访问阿塞拜疆".encode() in response.content  # UTF-8, not \u escapes


def test_drafts_and_future_articles_are_invisible(api):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, first_published_at=None)
    review = ArticleFactory(status=Article.Status.REVIEW, published_at=None, first_published_at=None)
    archived = ArticleFactory(status=Article.Status.ARCHIVED)
    future = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))
    public = ArticleFactory()

    listed = [item["id"] for item in api.get("/api/v1/articles/").json()["results"]]

    assert listed == [public.pk]
    for hidden in (draft, review, archived, future):
        response = api.get(f"/api/v1/articles/{hidden.pk}/")
        assert response.status_code == 404
        assert response.json() == {"detail": "没有这个 id 的已发布文章。"}


def test_scheduled_article_with_past_time_is_public(api):
    article = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() - timedelta(seconds=1))

    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 200


def test_list_is_newest_first_and_paginates_by_cursor(api):
    now = timezone.now()
    articles = [ArticleFactory(published_at=now - timedelta(minutes=i)) for i in range(5)]

    first = api.get("/api/v1/articles/?page_size=2").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()

    ids = [item["id"] for page in (first, second, third) for item in page["results"]]
    assert ids == [a.pk for a in articles]
    assert third["next"] is None


def test_default_page_is_twenty_items(api):
    ArticleFactory.create_batch(25)

    assert len(api.get("/api/v1/articles/").json()["results"]) == 20


@pytest.mark.parametrize(
    "query, field",
    [
        ("page_size=100000", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=abc", "page_size"),
        ("cursor=garbage", "cursor"),
        ("cursor=cD1ub3QtYS1kYXRl", "cursor"),  # base64 of p=not-a-date
        ("published_after=yesterday", "published_after"),
        ("published_before=2024-13-45", "published_before"),
        ("q=" + "长" * 10000, "q"),
    ],
)
def test_bad_list_parameters_answer_400_json(api, query, field):
    ArticleFactory()

    response = api.get(f"/api/v1/articles/?{query}")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("path", ["abc", "-1", "1.5", "99999999999999999999", "9223372036854775807", "0", "%00"])
def test_odd_ids_answer_404_json(api, path):
    response = api.get(f"/api/v1/articles/{path}/")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_filters_by_section_tag_author_slug_and_dates(api):
    section, tag, author = SectionFactory(slug="world"), TagFactory(slug="energy"), AuthorFactory(slug="lin")
    old = ArticleFactory(published_at=timezone.now() - timedelta(days=3), slug="old-one")
    match = with_bylines(ArticleFactory(section=section, slug="match-one"), author)
    match.tags.set([tag])
    ArticleFactory()

    def ids(query):
        return [item["id"] for item in api.get(f"/api/v1/articles/?{query}").json()["results"]]

    assert ids("section=world") == [match.pk]
    assert ids("tag=energy") == [match.pk]
    assert ids("author=lin") == [match.pk]
    assert ids("slug=old-one") == [old.pk]
    assert old.pk not in ids("published_after=" + (timezone.now() - timedelta(days=1)).isoformat().replace("+", "%2B"))
    # A date alone is midnight in the site's time zone: take the site's date, not UTC's (they
    # differ for eight hours a day).
    two_days_ago = timezone.localdate(timezone.now() - timedelta(days=2))
    assert ids("published_before=" + two_days_ago.isoformat()) == [old.pk]
    assert api.get("/api/v1/articles/?section=nothing-here").status_code == 404  # as on the rail


def test_q_searches_title_and_summary(api):
    from search import services as search_services

    by_title = ArticleFactory(title="寒潮即将上线")
    by_summary = ArticleFactory(title="天气", summary="今年首场寒潮来临")
    ArticleFactory(title="体育新闻")
    search_services.rebuild()  # factories skip the change stream

    found = [item["id"] for item in api.get("/api/v1/articles/?q=寒潮").json()["results"]]

    assert sorted(found) == sorted([by_title.pk, by_summary.pk])


def test_detail_has_contract_fields_blocks_bylines_source_and_related(api, editor):
    tag = TagFactory(name="外交")
    article = ArticleFactory(original_url="https://www.guancha.cn/x")
    article.tags.set([tag])
    with_bylines(article, AuthorFactory(name="熊超然"))
    Block.objects.create(article=article, position=0, type="paragraph", text="<b>正文</b>")
    Block.objects.create(article=article, position=1, type="heading", text="背景")
    Block.objects.create(article=article, position=2, type="quote", text="引语", attribution="发言人")
    Correction.objects.create(article=article, text="更正：日期有误。")
    sibling = ArticleFactory()
    sibling.tags.set([tag])
    documents.documents_rebuild()  # made by factories: their documents, as the change stream would

    data = api.get(f"/api/v1/articles/{article.pk}/").json()

    assert set(data) == DETAIL_FIELDS
    assert data["body"] == [
        {"type": "paragraph", "html": "<b>正文</b>"},
        {"type": "heading", "text": "背景"},
        {"type": "quote", "text": "引语", "attribution": "发言人"},
    ]
    assert [(b["author"]["name"], b["role"]) for b in data["bylines"]] == [("熊超然", "文")]
    assert data["tags"] == [{"id": tag.pk, "slug": tag.slug, "name": "外交"}]
    assert data["source"] is None
    assert [c["text"] for c in data["corrections"]] == ["更正：日期有误。"]
    assert [r["id"] for r in data["related"]][0] == sibling.pk


def test_list_query_count_is_constant(api, django_assert_max_num_queries):
    authors = AuthorFactory.create_batch(3)
    for _ in range(30):
        article = with_bylines(ArticleFactory(), *authors)
        article.tags.set(TagFactory.create_batch(2))

    documents.documents_rebuild()  # what the change stream does as articles are published

    # The page with its stored items in one query, plus the two horizons (next schedule, next expiry).
    with django_assert_max_num_queries(3):
        response = api.get("/api/v1/articles/?page_size=100")

    assert len(response.json()["results"]) == 30


def test_detail_query_count_is_constant(api, django_assert_max_num_queries):
    article = with_bylines(ArticleFactory(), *AuthorFactory.create_batch(6))
    with_body(article, *[f"第{i}段" for i in range(40)])
    tags = TagFactory.create_batch(8)
    article.tags.set(tags)
    for _ in range(10):
        ArticleFactory(section=article.section).tags.set(tags[:2])
    RelatedPick.objects.create(from_article=article, to_article=ArticleFactory(), position=0)
    Correction.objects.create(article=article, text="更正")
    documents.documents_rebuild()

    with django_assert_max_num_queries(1):  # the stored document, joined to its article
        response = api.get(f"/api/v1/articles/{article.pk}/")

    assert len(response.json()["body"]) == 40
    assert len(response.json()["related"]) == 5


def test_an_edit_is_visible_on_the_next_read_despite_the_cache(api, editor, django_capture_on_commit_callbacks):
    article = services.article_create(by=editor, title="初版标题")
    with django_capture_on_commit_callbacks(execute=True):
        services.article_publish(article_id=article.pk, by=editor)
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "初版标题"
    assert api.get("/api/v1/articles/").json()["results"][0]["title"] == "初版标题"

    with django_capture_on_commit_callbacks(execute=True):
        services.article_update(article_id=article.pk, by=editor, expected_version=None, data={"title": "修改后标题"})

    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "修改后标题"
    assert api.get("/api/v1/articles/").json()["results"][0]["title"] == "修改后标题"


def test_unpublished_article_disappears_at_once(api, editor, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        services.article_unpublish(article_id=article.pk, by=editor)

    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 404
    assert api.get("/api/v1/articles/").json()["results"] == []


def test_cached_answer_carries_etag_and_answers_304(api, django_assert_num_queries):
    article = ArticleFactory()
    first = api.get(f"/api/v1/articles/{article.pk}/")
    etag = first["ETag"]

    with django_assert_num_queries(0):
        again = api.get(f"/api/v1/articles/{article.pk}/", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert "max-age" in first["Cache-Control"]


def test_authors_sections_and_tags_lists(api):
    author = AuthorFactory(name="苏青禾", slug="su-qing-he")
    SectionFactory(name="国际", slug="world", order=0)
    TagFactory(name="能源", slug="neng-yuan")

    assert api.get("/api/v1/authors/").json()["results"][0]["name"] == "苏青禾"
    assert api.get("/api/v1/authors/su-qing-he/").json()["id"] == author.pk
    assert api.get("/api/v1/authors/nobody/").status_code == 404
    sections = api.get("/api/v1/sections/").json()
    assert set(sections) == {"next", "previous", "results"}  # the shape of every list
    assert sections["results"][0]["slug"] == "world"
    assert api.get("/api/v1/tags/").json()["results"][0]["name"] == "能源"


def test_another_process_edit_reaches_this_process_within_its_local_window(api, settings):
    from django.core.cache import cache

    settings.API_LOCAL_CACHE_SECONDS = 0.3
    article = ArticleFactory(title="旧标题")
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "旧标题"
    # Another process edits: the row, its document and the article's shared generation change,
    # not this process's memory.
    Article.objects.filter(pk=article.pk).update(title="新标题")
    documents.document_render(article_id=article.pk)
    cache.set(api_cache.GENERATION.format(f"article-{article.pk}"), "set-by-another-process", 60)

    soon = api.get(f"/api/v1/articles/{article.pk}/").json()["title"]
    import time

    time.sleep(0.35)
    later = api.get(f"/api/v1/articles/{article.pk}/").json()["title"]

    assert (soon, later) == ("旧标题", "新标题")


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/*"])
def test_public_answers_are_json_whatever_accept_says_cached_or_not(api, settings, accept):
    article = ArticleFactory(title="浏览器直接打开")
    for cache_seconds in (0, 60):  # built now, then from the cache: the same answer
        settings.API_CACHE_SECONDS = cache_seconds
        for path in ("/api/v1/articles/", f"/api/v1/articles/{article.pk}/"):
            response = api.get(path, HTTP_ACCEPT=accept)
            assert response.status_code == 200
            assert response["Content-Type"] == "application/json"
    assert api.get("/api/v1/articles/?page_size=0", HTTP_ACCEPT="text/html").json()["page_size"]
