"""Refreshing rails into snapshots; the rail API; pins, exclusions and the editors' API."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from tests.articles.factories import ArticleFactory, SectionFactory
from trending import services, stores
from trending.models import Exclusion, Pin, Snapshot, StoredHour, StoredScore
from trending.selectors import _rails

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom(store):
    section = SectionFactory(slug="world")
    articles = [
        ArticleFactory(
            section=section,
            title=f"第{i}篇：普京抵达巴库开始国事访问并与阿利耶夫会谈",
            summary="",
            derived_summary="当地时间8月18日晚，俄罗斯总统普京抵达阿塞拜疆首都巴库，"
            "开始为期两天的国事访问，两国领导人将讨论双边关系。",
        )
        for i in range(5)
    ]
    # Article i gets 5 - i readers: article 0 leads.
    for index, article in enumerate(articles):
        events = [{"article": article.pk, "visitor": f"r{n}"} for n in range(5 - index)]
        services.events_record(events=events, address="198.51.100.1", user_agent="Mozilla/5.0 Chrome/131", cookie=None)
    return articles


def rail(api, query=""):
    return api.get(f"/api/v1/trending/{query}")


def test_refresh_builds_the_rail_frontends_read(api, newsroom):
    services.trending_refresh()

    data = rail(api).json()

    assert data["rail"] == "now" and data["section"] is None and data["generated_at"]
    assert [item["article"]["id"] for item in data["items"]] == [a.pk for a in newsroom]
    first = data["items"][0]
    assert first["rank"] == 1 and first["pinned"] is False and first["score"] > data["items"][1]["score"]
    assert first["short_title"] == "第0篇：普京抵达巴库开始国事访..."
    assert (
        first["short_summary"]
        == "当地时间8月18日晚，俄罗斯总统普京抵达阿塞拜疆首都巴库，开始为期两天的国事访问，两国领导人将讨论双..."
    )
    assert set(first) == {"rank", "article", "short_title", "short_summary", "score", "pinned"}


def test_today_rail_and_section_rails(api, newsroom):
    services.trending_refresh()

    today = rail(api, "?rail=today&section=world&limit=2").json()

    assert [item["score"] for item in today["items"]] == [5.0, 4.0]
    assert today["section"] == "world"


def test_the_rail_is_read_from_the_snapshot_without_queries(api, newsroom, django_assert_num_queries):
    services.trending_refresh()
    rail(api)

    with django_assert_num_queries(0):
        response = rail(api, "?limit=3")

    assert len(response.json()["items"]) == 3


def test_unpublished_excluded_and_too_old_articles_leave_the_rail(
    api, newsroom, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_unpublish(article_id=newsroom[0].pk, by=editor)
    services.exclusion_create(article=newsroom[1], by=editor, reason="不宜推荐")
    Article.objects.filter(pk=newsroom[2].pk).update(published_at=timezone.now() - timedelta(hours=80))

    services.trending_refresh()
    ids = [item["article"]["id"] for item in rail(api).json()["items"]]

    assert ids == [newsroom[3].pk, newsroom[4].pk]


def test_a_pulled_or_excluded_article_leaves_the_rail_at_once_without_a_refresh(
    api, newsroom, editor, django_capture_on_commit_callbacks
):
    services.pin_create(article=newsroom[4], rail="now", position=2, by=editor)
    services.trending_refresh()
    _rails.clear()
    assert [i["article"]["id"] for i in rail(api).json()["items"]] == [
        newsroom[0].pk,
        newsroom[4].pk,
        newsroom[1].pk,
        newsroom[2].pk,
        newsroom[3].pk,
    ]

    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_unpublish(article_id=newsroom[0].pk, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.exclusion_create(article=newsroom[2], by=editor, reason="不宜推荐")
    _rails.clear()  # this process's one-second memory of the rail, as another process would be
    items = rail(api).json()["items"]

    # No refresh ran: the snapshot itself lost them, the pin kept its place, the rest moved up.
    assert [(i["rank"], i["article"]["id"], i["pinned"]) for i in items] == [
        (1, newsroom[1].pk, False),
        (2, newsroom[4].pk, True),
        (3, newsroom[3].pk, False),
    ]
    rows = Snapshot.objects.filter(rail="now", section_slug="").get().items
    assert [i["article"]["id"] for i in rows] == [newsroom[1].pk, newsroom[4].pk, newsroom[3].pk]


def test_pins_hold_their_position_until_they_end(api, newsroom, editor):
    services.pin_create(article=newsroom[4], rail="now", position=1, by=editor)
    Pin.objects.create(article=newsroom[3], rail="now", position=2, until=timezone.now() - timedelta(minutes=1))

    services.trending_refresh()
    items = rail(api).json()["items"]

    assert [(i["article"]["id"], i["pinned"]) for i in items[:3]] == [
        (newsroom[4].pk, True),
        (newsroom[0].pk, False),
        (newsroom[1].pk, False),
    ]
    assert len(items) == 5


def _lock_held_elsewhere(release: threading.Event, taken: threading.Event) -> None:
    """Another refresher: its own thread, so its own database connection (or file descriptor)."""
    from django.db import connection

    from core import locks

    try:
        with locks.held(services.REFRESH_LOCK) as ours:
            assert ours
            taken.set()
            release.wait(30)
    finally:
        connection.close()


def test_a_second_refresh_while_one_runs_is_skipped(newsroom):
    release, taken = threading.Event(), threading.Event()
    other = threading.Thread(target=_lock_held_elsewhere, args=(release, taken))
    other.start()
    try:
        assert taken.wait(30)
        assert services.trending_refresh() == {"skipped": 1}
    finally:
        release.set()
        other.join(30)
    assert services.trending_refresh()["rails"] >= 2


REFRESH_THEN_DIE = """
import time
import django
django.setup()
from django.conf import settings
settings.TRENDING_STORE = {kind!r}
settings.TRENDING_REDIS_PREFIX = {prefix!r}
from trending import services
from trending.services import refresh

built = refresh._rail_items

def build_then_stall(*args, **kwargs):
    items = built(*args, **kwargs)
    print("inside", flush=True)  # holding the refresh lock, the first rail not yet written
    time.sleep(120)
    return items

refresh._rail_items = build_then_stall
services.trending_refresh()
"""


@pytest.mark.e2e  # starts a second process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_refresh_does_not_hold_back_the_next_one(api, newsroom, store_kind, settings):
    from django.db import connection

    from tests.processes import killed_midway

    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a shared database (DATABASE_URL=postgres://...); SQLite's is in memory")
    script = REFRESH_THEN_DIE.format(kind=store_kind, prefix=settings.TRENDING_REDIS_PREFIX)

    with killed_midway(script):
        assert services.trending_refresh() == {"skipped": 1}  # the child holds the lock

    # The next tick, as beat sends it 15 s later: not held back by the dead worker's lock.
    result = services.trending_refresh()
    assert result["rails"] == Snapshot.objects.count() >= 2
    assert [i["article"]["id"] for i in rail(api).json()["items"]] == [a.pk for a in newsroom]
    assert services.trending_refresh()["rails"] == result["rails"]  # and the lock was given back


def test_rail_keeps_serving_the_last_snapshot_when_redis_is_down(api, newsroom, settings):
    services.trending_refresh()
    before = rail(api).json()
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    _rails.clear()

    response = rail(api)

    assert response.status_code == 200
    assert response.json()["items"] == before["items"]


@pytest.mark.parametrize(
    "query, status",
    [
        ("?rail=forever", 400),
        ("?limit=0", 400),
        ("?limit=abc", 400),
        ("?limit=21", 400),
        ("?section=nowhere", 404),
        ("?section=" + "x" * 500, 400),
    ],
)
def test_bad_rail_queries(api, newsroom, query, status):
    assert rail(api, query).status_code == status


def test_no_snapshot_yet_is_an_empty_rail(api, newsroom):
    assert rail(api).json()["items"] == []


def test_view_counts_flush_in_bulk_without_moving_updated_at(newsroom):
    before = {a.pk: (a.view_count, a.updated_at) for a in Article.objects.all()}

    flushed = services.view_counts_flush()

    assert flushed == 5 + 4 + 3 + 2 + 1
    for article in Article.objects.all():
        count, updated_at = before[article.pk]
        assert article.updated_at == updated_at
        assert article.view_count == count + 5 - newsroom.index(article)
    assert services.view_counts_flush() == 0


def test_editors_pin_and_exclude_through_the_api(editor_api, writer_api, newsroom):
    pin = editor_api.post(
        "/api/v1/editor/trending/pins/",
        {"article": newsroom[2].pk, "position": 1, "rail": "now", "section": "world"},
        format="json",
    )
    exclusion = editor_api.post(
        "/api/v1/editor/trending/exclusions/", {"article": newsroom[0].pk, "reason": "版权争议"}, format="json"
    )

    assert pin.status_code == 201 and pin.json()["created_by"] == "editor1"
    assert exclusion.status_code == 201 and exclusion.json()["reason"] == "版权争议"
    assert (
        writer_api.post(
            "/api/v1/editor/trending/pins/", {"article": newsroom[1].pk, "position": 2}, format="json"
        ).status_code
        == 403
    )
    assert list(Pin.objects.values_list("article_id", flat=True)) == [newsroom[2].pk]  # the refusal changed nothing
    assert editor_api.delete(f"/api/v1/editor/trending/pins/{pin.json()['id']}/").status_code == 204
    assert not Pin.objects.exists() and Exclusion.objects.count() == 1


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"position": 1}, "article"),
        ({"article": 999999, "position": 1}, "article"),
        ({"position": 0}, "position"),
        ({"position": 50}, "position"),
        ({"position": 1, "rail": "forever"}, "rail"),
        ({"position": 1, "until": "2001-01-01T00:00:00+08:00"}, "until"),
        ({"position": 1, "section": "nowhere"}, "section"),
    ],
)
def test_bad_pins_are_400(editor_api, newsroom, payload, field):
    body = {"article": newsroom[0].pk, **payload} if "article" not in payload and field != "article" else payload
    response = editor_api.post("/api/v1/editor/trending/pins/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Pin.objects.exists()


def test_refresh_command(newsroom, capsys):
    from django.core.management import call_command

    call_command("refresh_trending", "--sync")

    assert "Refreshed" in capsys.readouterr().out
    assert Snapshot.objects.filter(rail="now", section_slug="").exists()


def test_fresh_within_20_seconds_is_one_refresh_away(api, newsroom, store):
    services.trending_refresh()
    late = ArticleFactory(section=newsroom[0].section)
    services.events_record(
        events=[{"article": late.pk, "visitor": f"x{i}"} for i in range(50)],
        address="192.0.2.1",
        user_agent="Mozilla/5.0 Chrome/131",
        cookie=None,
    )
    started = time.monotonic()

    services.trending_refresh()

    _rails.clear()

    assert rail(api).json()["items"][0]["article"]["id"] == late.pk
    assert time.monotonic() - started < 5


def test_admin_shows_each_rail_with_scores_and_rebuilds_on_demand(newsroom, editor):
    from django.test import Client

    client = Client()
    client.force_login(editor)
    services.trending_refresh()

    page = client.get("/admin/trending/snapshot/").content.decode()
    rebuilt = client.post("/admin/trending/snapshot/refresh/", follow=True)

    assert "第0篇：普京抵达巴库开始国事访..." in page
    assert "5.0" in page
    assert rebuilt.status_code == 200
    # Headed in the desk's words: the rail's name and the section's, not `now · world`.
    assert f"实时热门 · {newsroom[0].section.name}" in page and "24 小时最多阅读 · 全站" in page
    assert "now · " not in page and "today · " not in page


def test_admin_pin_goes_through_the_service(newsroom, editor):
    from django.test import Client

    client = Client()
    client.force_login(editor)

    response = client.post(
        "/admin/trending/pin/add/", {"article": newsroom[3].pk, "rail": "now", "position": "1", "section": ""}
    )

    assert response.status_code == 302
    pin = Pin.objects.get()
    assert (pin.article_id, pin.position, pin.created_by) == (newsroom[3].pk, 1, editor)


def test_a_store_restarted_empty_keeps_the_last_good_rail(api, newsroom, store, editor):
    services.trending_refresh()
    before = [item["article"]["id"] for item in rail(api).json()["items"]]
    Article.objects.filter(pk=newsroom[1].pk).update(status="archived")  # taken down meanwhile

    if isinstance(store, stores.RedisStore):
        store.clear()  # what a restart without persistence leaves
    else:
        StoredScore.objects.all().delete()
        StoredHour.objects.all().delete()
    _rails.clear()
    services.trending_refresh()
    _rails.clear()
    after = [item["article"]["id"] for item in rail(api).json()["items"]]

    assert before == [a.pk for a in newsroom]
    assert after == [a.pk for a in newsroom if a.pk != newsroom[1].pk]
    # Once views arrive again, the rail follows the store.
    services.events_record(
        events=[{"article": newsroom[4].pk, "visitor": "back"}],
        address="192.0.2.9",
        user_agent="Chrome/131",
        cookie=None,
    )
    services.trending_refresh()
    _rails.clear()
    assert [item["article"]["id"] for item in rail(api).json()["items"]] == [newsroom[4].pk]


def test_rail_answers_carry_the_trending_surrogate_key(api, newsroom):
    services.trending_refresh()

    assert rail(api)["Surrogate-Key"] == "trending"
