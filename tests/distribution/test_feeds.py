"""Feeds: RSS 2.0, Atom and JSON Feed of the site, a section, an author or a tag, kept fresh by
the change stream, with surrogate keys, ETag and 304."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles import documents
from articles import services as article_services
from articles.models import Author, Outlet, Section, Tag
from tests.media.factories import make_image

pytestmark = pytest.mark.django_db

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}


@pytest.fixture(autouse=True)
def frontend(settings):
    settings.FRONTEND_ARTICLE_URL = "https://www.example.cn/a/{id}/{slug}"
    settings.FRONTEND_URL = "https://www.example.cn/"
    settings.NEWS_PUBLICATION_NAME = "示例新闻"


@pytest.fixture
def story(write, editor):
    """A full article: section, tags, two bylines (one with an outlet), a credited lead photo."""
    outlet = Outlet.objects.create(name="新华社", slug="xinhua", url="https://www.news.cn/")
    first = Author.objects.create(name="许清欢", slug="xu-qing-huan", affiliation=outlet)
    second = Author.objects.create(name="何一鸣", slug="he-yi-ming")
    section = Section.objects.create(name="国际", slug="world")
    tag = Tag.objects.create(name="能源", slug="energy")
    photo = make_image(editor, caption="巴库港口的油轮。", creator="孙望", credit_line="新华社记者 孙望 摄", alt="油轮")
    return write(
        "普京抵达巴库开始国事访问",
        summary="俄罗斯总统与阿塞拜疆总统会谈。",
        body=["两国领导人讨论了<b>新能源</b>合作。", "会谈持续三小时。"],
        section=section,
        tags=[tag],
        bylines=[{"author": first, "role": "文"}, {"author": second, "role": "摄影"}],
        lead_image=photo,
    )


def rss(api, path="/feeds/rss/"):
    answer = api.get(path)
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"] == "application/rss+xml; charset=utf-8"
    return ElementTree.fromstring(answer.content)


def test_rss_prints_what_aggregators_read_in_chinese(api, story):
    channel = rss(api).find("channel")
    assert channel.findtext("language") == "zh-cn"
    (item,) = channel.findall("item")
    assert item.findtext("title") == "普京抵达巴库开始国事访问"
    assert item.findtext("link") == f"https://www.example.cn/a/{story.pk}/{story.slug}"
    assert item.findtext("guid") == item.findtext("link")
    assert item.findtext("description") == "俄罗斯总统与阿塞拜疆总统会谈。"
    assert [c.text for c in item.findall("category")] == ["国际", "能源"]
    assert [c.text for c in item.findall("dc:creator", NS)] == ["许清欢（新华社）", "何一鸣"]
    assert item.findtext("pubDate").endswith("+0800")  # the site's offset (Asia/Shanghai)
    enclosure = item.find("enclosure")
    assert enclosure.get("type") == "image/jpeg" and enclosure.get("url").endswith(".jpeg")
    media = item.find("media:content", NS)
    assert media.get("url") == enclosure.get("url")
    assert media.findtext("media:credit", namespaces=NS) == "新华社记者 孙望 摄"
    assert media.findtext("media:description", namespaces=NS) == "巴库港口的油轮。"
    assert item.find("content:encoded", NS) is None  # summaries only unless FEED_FULL_TEXT


def test_full_text_by_setting(api, story, settings):
    settings.FEED_FULL_TEXT = True
    item = rss(api).find("channel/item")
    html = item.findtext("content:encoded", namespaces=NS)
    assert "<p>两国领导人讨论了<b>新能源</b>合作。</p>" in html and "会谈持续三小时" in html
    entry = ElementTree.fromstring(api.get("/feeds/atom/").content).find("atom:entry", NS)
    assert "新能源" in entry.findtext("atom:content", namespaces=NS)
    assert "新能源" in api.get("/feeds/json/").json()["items"][0]["content_html"]


def test_atom_and_json_feed(api, story):
    answer = api.get("/feeds/atom/")
    assert answer["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(answer.content)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-cn"
    (entry,) = feed.findall("atom:entry", NS)
    assert entry.findtext("atom:title", namespaces=NS) == "普京抵达巴库开始国事访问"
    assert [a.findtext("atom:name", namespaces=NS) for a in entry.findall("atom:author", NS)] == [
        "许清欢（新华社）",
        "何一鸣",
    ]
    assert entry.findtext("atom:published", namespaces=NS).endswith("+08:00")
    assert entry.find("atom:updated", NS) is not None

    answer = api.get("/feeds/json/")
    assert answer["Content-Type"] == "application/feed+json; charset=utf-8"
    data = answer.json()
    assert data["version"] == "https://jsonfeed.org/version/1.1" and data["language"] == "zh-cn"
    (item,) = data["items"]
    assert item["title"] == "普京抵达巴库开始国事访问"
    assert item["url"] == f"https://www.example.cn/a/{story.pk}/{story.slug}"
    assert item["authors"] == [{"name": "许清欢（新华社）"}, {"name": "何一鸣"}]
    assert item["tags"] == ["国际", "能源"]
    assert item["date_published"].endswith("+08:00")
    assert item["image"].endswith(".jpeg")
    assert "孙望" in item["_portal"]["image_credit"]


def test_the_fifty_newest_public_articles_only(api, write, editor, settings):
    settings.FEED_ITEMS = 3
    made = [write(f"第{i}条快讯") for i in range(4)]
    write("仍是草稿", publish=False)
    later = write("定时稿件", publish=False)
    article_services.article_schedule(article_id=later.pk, by=editor, at=timezone.now() + timedelta(hours=1))
    titles = [i.findtext("title") for i in rss(api).findall("channel/item")]
    assert titles == ["第3条快讯", "第2条快讯", "第1条快讯"]
    assert made[0].title not in titles


def test_section_author_and_tag_feeds(api, story, write):
    write("无关的体育新闻")
    for path in ("/feeds/rss/section/world/", "/feeds/rss/author/he-yi-ming/", "/feeds/rss/tag/energy/"):
        channel = rss(api, path).find("channel")
        assert [i.findtext("title") for i in channel.findall("item")] == [story.title], path
    assert rss(api, "/feeds/rss/section/world/").findtext("channel/title").endswith("国际")
    assert api.get("/feeds/json/author/xu-qing-huan/").json()["items"][0]["id"].endswith(story.slug)
    assert len(rss(api).findall("channel/item")) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/rss/section/nowhere/",
        "/feeds/atom/author/nobody/",
        "/feeds/json/tag/none/",
        "/feeds/xml/",
        "/feeds/rss/city/x/",
    ],
)
def test_unknown_feeds_are_a_json_404(api, path):
    answer = api.get(path, HTTP_ACCEPT="application/json")
    assert answer.status_code == 404
    assert "detail" in answer.json()


def test_feeds_are_read_only(api):
    assert api.post("/feeds/rss/").status_code == 405
    assert api.head("/feeds/rss/").status_code == 200


def test_surrogate_keys_etag_and_304(api, story):
    answer = api.get("/feeds/rss/")
    keys = answer["Surrogate-Key"].split()
    assert {"feed", "list", f"article-{story.pk}", f"author-{story.bylines.first().author_id}"} <= set(keys)
    again = api.get("/feeds/rss/", HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304 and again["ETag"] == answer["ETag"]


def test_an_edit_reaches_the_feeds_at_once_and_an_unpublished_article_leaves(api, story, editor, relayed):
    assert rss(api).findtext("channel/item/title") == story.title  # now cached
    api.get("/feeds/json/")
    relayed(
        article_services.article_update,
        article_id=story.pk,
        by=editor,
        expected_version=None,
        data={"title": "普京结束巴库国事访问"},
    )
    assert rss(api).findtext("channel/item/title") == "普京结束巴库国事访问"
    assert api.get("/feeds/json/").json()["items"][0]["title"] == "普京结束巴库国事访问"
    relayed(article_services.article_unpublish, article_id=story.pk, by=editor)
    assert rss(api).findall("channel/item") == []
    assert api.get("/feeds/rss/section/world/").content.count(b"<item>") == 0


def test_a_renamed_author_reaches_the_feed(api, story, editor, relayed):
    assert "何一鸣" in api.get("/feeds/rss/").content.decode()
    author = Author.objects.get(slug="he-yi-ming")
    author.name = "何一明"
    relayed(article_services.taxonomy_save, instance=author, by=editor)
    relayed(documents.documents_refresh)  # the workers render the documents naming them anew
    assert "何一明" in api.get("/feeds/rss/").content.decode()


def test_websub_hub_is_announced_when_set(api, story, settings):
    settings.WEBSUB_HUB_URL = "https://pubsubhubbub.appspot.com/"
    links = rss(api).findall("channel/atom:link", NS)
    assert {"rel": "hub", "href": "https://pubsubhubbub.appspot.com/"} in [dict(link.attrib) for link in links]
    feed = ElementTree.fromstring(api.get("/feeds/atom/").content)
    assert any(link.get("rel") == "hub" for link in feed.findall("atom:link", NS))
    assert api.get("/feeds/json/").json()["hubs"] == [{"type": "WebSub", "url": "https://pubsubhubbub.appspot.com/"}]


def test_a_publish_pings_the_websub_hub_for_every_feed_it_is_in(story, editor, settings, relayed):
    """The ping is queued after the commit (a real message in the broker) and sent by a worker."""
    import base64
    import json
    from pathlib import Path

    from distribution.tasks import websub_ping_task
    from portal.celery import app
    from tests.distribution import receiver as receiver_module

    hub, server = receiver_module.start()
    try:
        settings.WEBSUB_HUB_URL = hub.base + "/hub"
        settings.PUBLIC_BASE_URL = "https://api.example.cn"
        queue = Path(app.conf.broker_transport_options["data_folder_in"])
        before = set(queue.iterdir())
        relayed(
            article_services.article_update,
            article_id=story.pk,
            by=editor,
            expected_version=None,
            data={"title": "普京结束访问"},
        )
        messages = [json.loads(path.read_text()) for path in set(queue.iterdir()) - before]
        (ping,) = [m for m in messages if m["headers"]["task"] == "distribution.tasks.websub_ping_task"]
        urls = json.loads(base64.b64decode(ping["body"]))[0][0]
        assert websub_ping_task.apply(args=[urls]).get() == len(urls)
        sent = {r.body.decode() for r in hub.at("/hub")}
        for path in ("rss/", "atom/", "json/", "rss/section/world/", "json/tag/energy/", "atom/author/he-yi-ming/"):
            assert f"hub.mode=publish&hub.url=https%3A%2F%2Fapi.example.cn%2Ffeeds%2F{path.replace('/', '%2F')}" in sent
    finally:
        server.shutdown()


def test_text_that_looks_like_markup_stays_text_in_every_derived_place(api, write, settings):
    """A paragraph whose *text* is `<img src=x onerror=alert(10)>` (the editor sends it escaped):
    the derived summary is that text, and every HTML-typed field carries it escaped, so no feed
    reader, aggregator or frontend gets a live element."""
    import json
    from html.parser import HTMLParser

    settings.FEED_FULL_TEXT = True
    typed = "<img src=x onerror=alert(10)>"
    article = write("标记测试", body=["&lt;img src=x onerror=alert(10)&gt;", "正文第二段。"])

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found = []

        def handle_starttag(self, tag, attrs):
            self.found.append(tag)

    def elements(html: str) -> list[str]:
        parser = Tags()
        parser.feed(html)
        return parser.found

    detail = api.get(f"/api/v1/articles/{article.pk}/").json()
    assert detail["summary"].startswith(typed)  # plain text, as typed
    item = rss(api).find("channel/item")
    description = item.findtext("description")
    assert description.startswith("&lt;img src=x onerror=alert(10)&gt;")  # HTML: escaped
    assert "img" not in elements(description)
    assert "img" not in elements(item.findtext("content:encoded", namespaces=NS))
    entry = ElementTree.fromstring(api.get("/feeds/atom/").content).find("atom:entry", NS)
    summary = entry.find("atom:summary", NS)
    assert summary.get("type") == "html" and "img" not in elements(summary.text)
    assert "img" not in elements(entry.findtext("atom:content", namespaces=NS))
    feed_item = json.loads(api.get("/feeds/json/").content)["items"][0]
    assert feed_item["summary"].startswith(typed)  # JSON Feed's summary is plain text
    assert "img" not in elements(feed_item["content_html"])
    found = api.get("/api/v1/search/?q=onerror").json()["results"]
    assert [r["id"] for r in found] == [article.pk]
    assert all("img" not in elements(html) for html in found[0]["highlight"].values())
