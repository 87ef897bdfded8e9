"""CDNs purged by URL (issue 24): a retraction purges every URL that showed the article; Alibaba
Cloud CDN and Tencent Cloud CDN are called signed as their API documents say (a local server
checks each signature with its own code); a CDN down for 20 s gets every purge once it is back;
answers no URL list can name are kept briefly."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Author, Section, Tag
from distribution.models import PendingPurge
from distribution.purge import queue as purge
from tests.distribution import cloud_cdn
from tests.distribution import receiver as receiver_module
from tests.distribution.test_purge import flush, use

pytestmark = pytest.mark.django_db

BASE = "https://api.example.cn"


@pytest.fixture
def story(write):
    section = Section.objects.create(name="国际", slug="world")
    tag = Tag.objects.create(name="能源", slug="energy")
    first = Author.objects.create(name="许清欢", slug="xu-qing-huan")
    second = Author.objects.create(name="何一鸣", slug="he-yi-ming")
    return write(
        "被撤下的报道",
        section=section,
        tags=[tag],
        bylines=[{"author": first, "role": "文"}, {"author": second, "role": "摄影"}],
    )


def expected_paths(article_id: int) -> set[str]:
    feeds = {
        f"/feeds/{fmt}/{scope}"
        for fmt in ("rss", "atom", "json")
        for scope in ("", "section/world/", "tag/energy/", "author/xu-qing-huan/", "author/he-yi-ming/")
    }
    return {
        f"/api/v1/articles/{article_id}/",
        "/api/v1/articles/",
        "/api/v1/articles/?section=world",
        "/api/v1/articles/?tag=energy",
        "/api/v1/articles/?author=xu-qing-huan",
        "/api/v1/articles/?author=he-yi-ming",
        "/sitemap.xml",
        "/sitemaps/news.xml",
        "/sitemaps/articles-1.xml",
        "/api/v1/trending/",
        "/api/v1/trending/?rail=now",
        "/api/v1/trending/?rail=today",
        *feeds,
    }


@pytest.fixture
def cloud(settings):
    found, server = cloud_cdn.start()
    settings.PURGE_URL_BASES = [BASE]
    settings.ALIYUN_CDN_API_URL = found.base + "/aliyun/"
    settings.ALIYUN_ACCESS_KEY_ID, settings.ALIYUN_ACCESS_KEY_SECRET = cloud_cdn.ALIYUN
    settings.TENCENT_CDN_API_URL = found.base + "/"
    settings.TENCENT_SECRET_ID, settings.TENCENT_SECRET_KEY = cloud_cdn.TENCENT
    yield found
    server.shutdown()
    purge._backend.cache_clear()


def _pull(relayed, editor, article):
    relayed(article_services.article_unpublish, article_id=article.pk, by=editor)


def test_a_retraction_purges_every_url_that_showed_the_article(settings, story, editor, relayed):
    found, server = receiver_module.start()
    try:
        settings.PURGE_VARNISH_URLS = [found.base]
        use(settings, "distribution.purge.Urls")
        _pull(relayed, editor, story)
        flush()
    finally:
        server.shutdown()
        purge._backend.cache_clear()

    purged = {r.path for r in found.requests if r.method == "PURGE"}
    assert expected_paths(story.pk) <= purged


def test_a_deleted_article_purges_its_lists_too_though_its_row_is_gone(settings, cloud, story, editor, relayed):
    use(settings, "distribution.purge.Aliyun")

    relayed(article_services.article_delete, article_id=story.pk, by=editor)
    flush()

    refreshed = {url for kind, url in cloud.refreshed if kind == "url"}
    assert {BASE + p for p in expected_paths(story.pk) if "trending" not in p} <= refreshed


@pytest.mark.parametrize("backend", ["distribution.purge.Aliyun", "distribution.purge.Tencent"])
def test_chinese_cdns_are_called_signed_with_every_url(settings, cloud, story, editor, relayed, backend):
    use(settings, backend)

    _pull(relayed, editor, story)
    assert flush() > 0

    assert cloud.refused == 0  # every signature checked out
    assert {BASE + p for p in expected_paths(story.pk)} <= {url for kind, url in cloud.refreshed if kind == "url"}
    assert PendingPurge.objects.count() == 0


@pytest.mark.parametrize(
    ("backend", "actions"),
    [("distribution.purge.Aliyun", ["RefreshObjectCaches"]), ("distribution.purge.Tencent", ["PurgePathCache"])],
)
def test_everything_purged_is_a_folder_refresh(settings, cloud, backend, actions):
    use(settings, backend)

    purge.purge_consumer(type("E", (), {"keys": ["all"], "data": {}})())
    flush()

    assert cloud.calls[-1:] == actions
    folders = {url for kind, url in cloud.refreshed if kind == "dir"}
    assert {f"{BASE}/api/v1/", f"{BASE}/feeds/", f"{BASE}/sitemaps/"} <= folders


@pytest.mark.parametrize("backend", ["distribution.purge.Aliyun", "distribution.purge.Tencent"])
def test_a_wrong_secret_is_refused_and_the_purge_kept(settings, cloud, backend):
    use(settings, backend)
    settings.ALIYUN_ACCESS_KEY_SECRET = settings.TENCENT_SECRET_KEY = "not-the-secret"

    purge.purge_consumer(type("E", (), {"keys": ["article-9"], "data": {}})())

    assert flush() == 0
    assert cloud.refused >= 1 and cloud.refreshed == []
    assert PendingPurge.objects.filter(key="/api/v1/articles/9/").get().attempts == 1


@pytest.mark.parametrize("backend", ["distribution.purge.Aliyun", "distribution.purge.Tencent"])
def test_a_cdn_down_for_20_s_gets_every_purge_within_5_s_of_its_return(
    settings, cloud, story, editor, relayed, time_machine, backend
):
    use(settings, backend)
    time_machine.move_to(timezone.now(), tick=False)
    cloud.failing = True
    _pull(relayed, editor, story)
    started = timezone.now()

    while timezone.now() - started < timedelta(seconds=20):  # flushing as the relay loop does
        flush()
        time_machine.shift(0.25)
    cloud.failing = False
    back = timezone.now()
    while PendingPurge.objects.exists() and timezone.now() - back < timedelta(seconds=10):
        if PendingPurge.objects.filter(next_attempt_at__lte=timezone.now()).exists():
            flush()
        time_machine.shift(0.25)

    assert not PendingPurge.objects.exists()
    assert (timezone.now() - back) <= timedelta(seconds=5)
    assert {BASE + p for p in expected_paths(story.pk)} <= {url for kind, url in cloud.refreshed if kind == "url"}


def test_answers_no_url_list_can_name_are_kept_briefly_by_a_cdn_purged_by_url(settings, api, story):
    settings.CDN_MAX_AGE = 86_400
    settings.PURGE_UNLISTED_MAX_AGE = 60

    def kept(path: str) -> int:
        answer = api.get(path)
        assert answer.status_code == 200, path
        return int(answer["Surrogate-Control"].removeprefix("max-age="))

    use(settings, "distribution.purge.Varnish")
    assert kept("/api/v1/search/?q=%E6%8A%A5%E9%81%93") > 60  # purged by key: kept long
    use(settings, "distribution.purge.Aliyun")
    try:
        assert kept("/api/v1/search/?q=%E6%8A%A5%E9%81%93") == 60
        assert kept("/api/v1/articles/?section=world&page_size=5") == 60
        assert kept("/api/v1/articles/?section=world") > 60
        assert kept(f"/api/v1/articles/{story.pk}/") > 60
        assert kept("/feeds/rss/section/world/") > 60
    finally:
        purge._backend.cache_clear()
