"""Sitemaps: the index, article sitemaps in pages, and the Google News sitemap of the last 48
hours, valid against the protocol's schemas (tests/distribution/schemas/)."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from articles import services as article_services
from articles.models import Article
from distribution import sitemaps

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "schemas"
NS = {"s": sitemaps.SITEMAP, "news": sitemaps.NEWS}


@pytest.fixture(autouse=True)
def frontend(settings):
    settings.FRONTEND_ARTICLE_URL = "https://www.example.cn/a/{id}/{slug}"
    settings.NEWS_PUBLICATION_NAME = "示例新闻"


def valid(answer, schema: str):
    """The answer parsed, after checking it against the schema (an error names the line)."""
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == "application/xml; charset=utf-8"
    document = etree.fromstring(answer.content)
    checker = etree.XMLSchema(etree.parse(str(SCHEMAS / schema)))
    assert checker.validate(document), checker.error_log
    return document


def locs(document) -> list[str]:
    return [loc.text for loc in document.iterfind(".//s:loc", NS)]


def published_hours_ago(article, hours: float) -> None:
    moment = timezone.now() - timedelta(hours=hours)
    Article.objects.filter(pk=article.pk).update(published_at=moment, first_published_at=moment)


def page_of(article, size: int = 2) -> int:
    return article.pk // size + 1


def test_the_index_lists_every_article_page_and_the_news_sitemap(api, write, settings):
    settings.SITEMAP_PAGE_SIZE = 2
    made = [write(f"第{i}篇") for i in range(5)]
    index = valid(api.get("/sitemap.xml"), "siteindex.xsd")
    pages = sorted({page_of(a) for a in made})
    assert locs(index) == [
        *(f"http://testserver/sitemaps/articles-{n}.xml" for n in pages),
        "http://testserver/sitemaps/news.xml",
    ]
    assert all(m.text for m in index.iterfind(".//s:lastmod", NS))


def test_article_sitemaps_are_id_ranges_with_lastmod_and_an_article_keeps_its_page(api, write, settings):
    settings.SITEMAP_PAGE_SIZE = 2
    made = [write(f"第{i}篇") for i in range(3)]
    write("草稿", publish=False)
    for number in sorted({page_of(a) for a in made}):
        page = valid(api.get(f"/sitemaps/articles-{number}.xml"), "sitemap.xsd")
        assert locs(page) == [f"https://www.example.cn/a/{a.pk}/{a.slug}" for a in made if page_of(a) == number]
        assert page.findtext(".//s:lastmod", namespaces=NS).endswith("+08:00")
    first = made[0]
    before = locs(valid(api.get(f"/sitemaps/articles-{page_of(first)}.xml"), "sitemap.xsd"))
    write("后来的一篇")  # a new article fills a later range: no page before it moves
    assert locs(valid(api.get(f"/sitemaps/articles-{page_of(first)}.xml"), "sitemap.xsd")) == before
    for missing in (
        f"/sitemaps/articles-{page_of(made[-1]) + 5}.xml",
        "/sitemaps/articles-0.xml",
        "/sitemaps/news-0.xml",
        "/sitemaps/news-2.xml",
    ):
        answer = api.get(missing)
        assert answer.status_code == 404 and answer.json()["detail"]


def test_the_index_reads_its_stored_pages_and_the_change_stream_keeps_them(api, write, editor, relayed, settings):
    """The index is a row a page (no numbering of the archive), counted again by an article's
    event; another page size is counted anew on the next read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.models import SitemapPage

    settings.SITEMAP_PAGE_SIZE = 2
    made = [write(f"第{i}篇") for i in range(4)]
    assert set(SitemapPage.objects.filter(size=2, count__gt=0).values_list("number", flat=True)) == {
        page_of(a) for a in made
    }
    with CaptureQueriesContext(connection) as queries:
        api.get("/sitemap.xml")
    sql = [q["sql"] or "" for q in queries.captured_queries]
    assert sql and not any("ROW_NUMBER" in s or "OFFSET" in s for s in sql)

    last = made[-1]
    relayed(article_services.article_unpublish, article_id=last.pk, by=editor)
    alone = all(page_of(a) != page_of(last) for a in made[:-1])
    stored = SitemapPage.objects.get(size=2, number=page_of(last))
    assert stored.count == (0 if alone else 1)

    settings.SITEMAP_PAGE_SIZE = 1000
    index = valid(api.get("/sitemap.xml"), "siteindex.xsd")
    assert [u for u in locs(index) if "articles-" in u] == [
        f"http://testserver/sitemaps/articles-{n}.xml" for n in sorted({a.pk // 1000 + 1 for a in made[:-1]})
    ]
    assert not SitemapPage.objects.filter(size=2).exists()


def test_news_sitemap_holds_the_last_48_hours_only(api, write):
    fresh = write("里海航运恢复")
    old = write("两天前的消息")
    published_hours_ago(old, 49)
    write("草稿", publish=False)
    document = valid(api.get("/sitemaps/news.xml"), "sitemap.xsd")
    (url,) = document.findall("s:url", NS)
    assert url.findtext("s:loc", namespaces=NS) == f"https://www.example.cn/a/{fresh.pk}/{fresh.slug}"
    news = url.find("news:news", NS)
    assert news.findtext("news:publication/news:name", namespaces=NS) == "示例新闻"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "zh-cn"
    assert news.findtext("news:title", namespaces=NS) == "里海航运恢复"
    assert news.findtext("news:publication_date", namespaces=NS).endswith("+08:00")


def test_more_than_a_page_of_news_is_an_index_of_files(api, write, monkeypatch):
    monkeypatch.setattr(sitemaps, "NEWS_PAGE", 2)
    made = [write(f"快讯{i}") for i in range(5)]
    index = valid(api.get("/sitemaps/news.xml"), "siteindex.xsd")
    assert locs(index) == [f"http://testserver/sitemaps/news-{n}.xml" for n in (1, 2, 3)]
    pages = [valid(api.get(f"/sitemaps/news-{n}.xml"), "sitemap.xsd") for n in (1, 2, 3)]
    assert [len(locs(p)) for p in pages] == [2, 2, 1]
    assert locs(pages[0])[0].startswith(f"https://www.example.cn/a/{made[-1].pk}/")  # newest first
    assert api.get("/sitemaps/news-4.xml").status_code == 404
    # The site index lists the news files themselves: an index may not list another index.
    assert [u for u in locs(valid(api.get("/sitemap.xml"), "siteindex.xsd")) if "news" in u] == locs(index)


def test_an_edit_reaches_the_sitemaps_and_an_old_article_leaves_the_news_at_48_hours(
    api, write, editor, relayed, settings
):
    article = write("初稿标题")
    assert "初稿标题" in api.get("/sitemaps/news.xml").content.decode()  # cached now
    relayed(
        article_services.article_update,
        article_id=article.pk,
        by=editor,
        expected_version=None,
        data={"title": "改后的标题"},
    )
    assert "改后的标题" in api.get("/sitemaps/news.xml").content.decode()
    answer = api.get("/sitemaps/news.xml")
    assert set(answer["Surrogate-Key"].split()) == {"feed", "sitemap"}
    assert api.get("/sitemaps/news.xml", HTTP_IF_NONE_MATCH=answer["ETag"]).status_code == 304
    relayed(article_services.article_unpublish, article_id=article.pk, by=editor)
    assert locs(valid(api.get("/sitemaps/news.xml"), "sitemap.xsd")) == []
    assert api.get(f"/sitemaps/articles-{page_of(article, settings.SITEMAP_PAGE_SIZE)}.xml").status_code == 404


def test_news_answer_expires_when_its_oldest_article_turns_48_hours_old(api, write):
    from distribution.views import _news_until

    article = write("即将过期")
    published_hours_ago(article, 47)
    from articles import documents

    rows = documents.news()
    until = _news_until(rows)
    expected = (timezone.now() + timedelta(hours=1)).timestamp()
    assert abs(until - expected) < 5


def test_a_title_with_markup_characters_stays_valid_xml(api, write):
    write("A&B <公司> “季度”财报")
    document = valid(api.get("/sitemaps/news.xml"), "sitemap.xsd")
    assert document.findtext(".//news:title", namespaces=NS) == "A&B <公司> “季度”财报"


def test_a_page_written_out_directly_is_what_the_xml_generator_writes(settings):
    """The article pages skip the XML generator for speed; it stays the reference."""
    from io import StringIO

    from django.utils.xmlutils import SimplerXMLGenerator

    from distribution import sitemaps
    from distribution.selectors import article_url

    settings.FRONTEND_ARTICLE_URL = "https://www.example.cn/a/{id}/{slug}?from=sitemap&x=<1>"
    moment = timezone.now().replace(microsecond=123456)
    rows = [(1, "pu-jing-di-da", moment), (2, "a&b<c>", None), (3, "俄罗斯-总统", moment - timedelta(days=400))]
    out = StringIO()
    h = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
    h.startDocument()
    h.startElement("urlset", {"xmlns": sitemaps.SITEMAP})
    for article_id, slug, updated in rows:
        h.startElement("url", {})
        h.addQuickElement("loc", article_url(article_id, slug))
        if updated is not None:
            h.addQuickElement("lastmod", timezone.localtime(updated).isoformat(timespec="seconds"))
        h.endElement("url")
    h.endElement("urlset")
    h.endDocument()

    assert sitemaps.articles(rows) == out.getvalue().encode()
