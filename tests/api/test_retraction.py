"""A retraction is total: a pulled article leaves every public surface at once, even while a
consumer of the change stream fails on every event of it (item 1 of issue 24)."""

import pytest

from articles import services as article_services
from core import outbox
from core.models import ConsumerWork
from distribution.selectors import article_url
from tests.articles.factories import AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

TITLE = "撤稿测试：一篇必须消失的报道"


def _surfaces(article, section, tag, author) -> dict[str, str]:
    return {
        "detail": f"/api/v1/articles/{article.pk}/",
        "list": "/api/v1/articles/",
        "section list": f"/api/v1/articles/?section={section.slug}",
        "tag list": f"/api/v1/articles/?tag={tag.slug}",
        "author list": f"/api/v1/articles/?author={author.slug}",
        "search": "/api/v1/search/?q=撤稿测试",
        "rss": "/feeds/rss/",
        "atom": "/feeds/atom/",
        "json feed": "/feeds/json/",
        "section rss": f"/feeds/rss/section/{section.slug}/",
        "tag atom": f"/feeds/atom/tag/{tag.slug}/",
        "author json": f"/feeds/json/author/{author.slug}/",
        "article sitemap": "/sitemaps/articles-1.xml",
        "news sitemap": "/sitemaps/news.xml",
    }


def _showing(api, surfaces: dict[str, str], page_url: str) -> list[str]:
    shown = []
    for name, url in surfaces.items():
        answer = api.get(url)
        body = answer.content.decode() if answer.status_code == 200 else ""
        if TITLE in body or page_url in body or (name == "detail" and answer.status_code != 404):
            shown.append(name)
    return shown


@pytest.fixture
def broken_consumer():
    """A consumer placed among the real ones that fails on every event."""

    def fail(event):
        raise RuntimeError("this consumer fails on everything")

    outbox.register("test-broken", fail, order=outbox.FIRST + 1)
    yield
    outbox.unregister("test-broken")


def test_a_pulled_article_leaves_every_surface_though_a_consumer_fails_on_every_event(
    api, editor, relayed, broken_consumer
):
    section, tag, author = SectionFactory(), TagFactory(), AuthorFactory()
    article = relayed(
        article_services.article_create,
        by=editor,
        title=TITLE,
        summary="撤稿测试的摘要",
        body=[{"type": "paragraph", "text": "撤稿测试正文。"}],
        section=section,
        tags=[tag],
        bylines=[{"author": author, "role": "文"}],
    )
    relayed(article_services.article_publish, article_id=article.pk, by=editor)
    surfaces = _surfaces(article, section, tag, author)
    page_url = article_url(article.pk, article.slug)
    assert _showing(api, surfaces, page_url) == list(surfaces)  # every surface shows it (and caches it)

    relayed(article_services.article_unpublish, article_id=article.pk, by=editor)

    assert _showing(api, surfaces, page_url) == []
    stuck = ConsumerWork.objects.filter(subject=f"article:{article.pk}")
    assert set(stuck.values_list("consumer", flat=True)) == {"test-broken"}  # only the broken one owes work
