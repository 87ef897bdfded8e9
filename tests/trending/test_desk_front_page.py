"""The desk's front page (the admin index) shows an editor on shift the rail with each article's
views over the last day, what goes out next, photos whose rights end this week, and what keeps
failing; each panel only to those who may open what it lists, and never a 500 for a store down."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles import services as article_services
from core.models import ConsumerWork, OutboxEvent
from distribution.models import Endpoint
from tests.articles.factories import ArticleFactory
from tests.media.factories import make_image
from trending import services
from trending.stores import Event

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str, name: str) -> str:
    found = re.search(rf'<div class="module" id="desk-{name}">(.*?)\n  </div>', page, re.S)
    return found.group(1) if found else ""


@pytest.fixture
def shift(store, editor, media_root):
    leader, second = ArticleFactory(title="普京抵达巴库"), ArticleFactory(title="济南发布暴雪预警")
    allowed = {leader.pk: (None, 0.0), second.pk: (None, 0.0)}
    store.resolver = lambda ids: {a: allowed[a] for a in ids if a in allowed}
    now = time.time()
    store.record([Event(leader.pk, "view", 1.0, f"v{n}") for n in range(3)], now=now - 2 * 3600)
    store.record([Event(leader.pk, "view", 1.0, f"w{n}") for n in range(5)], now=now)
    store.record([Event(second.pk, "view", 1.0, "x")], now=now - 5 * 3600)
    services.trending_refresh()
    later = article_services.article_create(by=editor, title="明早八点发布的稿件")
    article_services.article_schedule(article_id=later.pk, by=editor, at=timezone.now() + timedelta(hours=12))
    make_image(editor, caption="本周到期的图片", rights_expire_at=timezone.now() + timedelta(days=3))
    make_image(editor, seed=1, caption="下月到期的图片", rights_expire_at=timezone.now() + timedelta(days=40))
    stuck = OutboxEvent.objects.create(type="article.published", subject="article:9")
    ConsumerWork.objects.create(
        event=stuck, consumer="webhooks", subject="article:9", state="quarantined", attempts=8, last_error="CDN 503"
    )
    Endpoint.objects.create(url="https://hooks.example.cn/in", secret="s", failing_since=timezone.now())
    return {"leader": leader, "second": second, "scheduled": later}


def test_an_editor_sees_the_rail_with_its_hours_and_what_needs_doing(shift, editor):
    page = _page(editor)

    rail = _panel(page, "rail")
    assert rail.index("普京抵达巴库") < rail.index("济南发布暴雪预警")  # in the rail's order
    lines = re.findall(r'<polyline points="([^"]+)"', rail)
    heights = [[float(point.split(",")[1]) for point in line.split()] for line in lines]
    assert [len(h) for h in heights] == [24, 24]
    # The leader's busiest hour (this one) is at the top, two hours ago lower, the rest on the floor.
    assert heights[0][-1] == min(heights[0]) and heights[0][-1] < heights[0][-3] < heights[0][0]
    assert re.findall(r'class="views"[^>]*>(\d+)<', rail) == ["8", "1"]
    assert "明早八点发布的稿件" in _panel(page, "next")
    expiring = _panel(page, "expiring")
    assert "本周到期的图片" in expiring and "下月到期的图片" not in expiring
    failing = _panel(page, "failing")
    assert "hooks.example.cn" in failing  # editors manage webhooks
    assert "article.published" not in failing  # the change stream's own page is not an editor's


def test_each_panel_shows_only_to_who_may_open_what_it_lists(shift, writer, django_user_model):
    writer_page = _page(writer)
    assert _panel(writer_page, "rail") and _panel(writer_page, "next")
    assert not _panel(writer_page, "failing")  # webhooks and the change stream are not a writer's

    admin_page = _page(django_user_model.objects.create_superuser("root", password="x"))
    failing = _panel(admin_page, "failing")
    assert "webhooks · article.published · article:9" in failing and "CDN 503" in failing
    work = ConsumerWork.objects.get(subject="article:9")
    assert f'action="/admin/core/consumerwork/{work.pk}/retry/"' in failing  # the retry button

    nobody = django_user_model.objects.create_user("guest", password="x", is_staff=True)
    assert 'id="desk"' not in _page(nobody)


def test_the_front_page_answers_when_the_trending_store_is_down(shift, editor, settings):
    settings.TRENDING_STORE = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    rail = _panel(_page(editor), "rail")

    assert "普京抵达巴库" in rail  # the rail as last built, from its snapshot
    assert "热度存储没有响应" in rail
