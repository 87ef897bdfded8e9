"""`POST /api/v1/trending/events/` as frontends and log shippers use it, bad input included."""

import pytest

from tests.articles.factories import ArticleFactory
from trending import stores
from trending.models import StoredSeen

pytestmark = pytest.mark.django_db

URL = "/api/v1/trending/events/"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def published(store):
    articles = [ArticleFactory() for _ in range(3)]
    return articles


def post(api, body, **extra):
    return api.post(URL, body, format="json", HTTP_USER_AGENT=extra.pop("agent", BROWSER), **extra)


def test_one_event_or_a_batch_answer_202_with_the_tally(api, published, store):
    one = post(api, {"article": published[0].pk, "type": "view", "visitor": "v1"})
    batch = post(api, {"events": [{"article": a.pk, "visitor": "v2"} for a in published]})

    assert one.status_code == batch.status_code == 202
    assert one.json()["accepted"] == 1 and one.json()["rejected"] == 0
    assert batch.json()["accepted"] == 3
    assert store.stats()["accepted"] == 4


def test_unknown_draft_and_malformed_events_are_counted_as_rejected(api, published, store):
    draft = ArticleFactory(status="draft", published_at=None, first_published_at=None)

    response = post(
        api,
        {
            "events": [
                {"article": published[0].pk, "visitor": "x"},
                {"article": draft.pk, "visitor": "x"},
                {"article": 999999, "visitor": "x"},
                {"article": "1", "visitor": "x"},
                {"article": True},
                {"article": published[1].pk, "type": "like"},
                {"article": published[1].pk, "visitor": 12},
                "not an object",
                {"article": -4},
            ]
        },
    )

    assert response.status_code == 202
    assert response.json() == {
        "accepted": 1,
        "rejected": 8,
        "duplicates": 0,
        "ineligible": 2,
        "limited": 0,
        "bots": 0,
        "invalid": 6,
    }


def test_crawlers_and_monitors_are_rejected_and_counted(api, published, store):
    for agent in (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Baiduspider+(+http://www.baidu.com/search/spider.htm)",
        "UptimeRobot/2.0",
        "",
    ):
        response = post(api, {"article": published[0].pk}, agent=agent)
        assert response.json()["bots"] == 1
    shipped = post(api, {"article": published[0].pk, "visitor": "r", "user_agent": "Googlebot/2.1"})

    assert shipped.json()["bots"] == 1  # a log shipper forwards the reader's agent per event
    assert store.stats()["bots"] == 5
    assert store.top("views_24h", None, 10, now=__import__("time").time()) == []


def test_one_visitor_counts_once_per_article(api, published, store):
    first = post(api, {"article": published[0].pk, "visitor": "same"})
    again = post(api, {"events": [{"article": published[0].pk, "visitor": "same"}] * 5})

    assert first.json()["accepted"] == 1
    assert again.json() == {
        "accepted": 0,
        "rejected": 5,
        "duplicates": 5,
        "ineligible": 0,
        "limited": 0,
        "bots": 0,
        "invalid": 0,
    }


def test_without_visitor_a_cookie_is_set_and_then_used(api, published):
    first = post(api, {"article": published[0].pk})
    cookie = first.cookies["portal_vid"].value
    api.cookies["portal_vid"] = cookie
    second = post(api, {"article": published[1].pk}, REMOTE_ADDR="10.9.9.9")
    third = post(api, {"article": published[1].pk}, REMOTE_ADDR="10.1.1.1")

    assert len(cookie) == 32
    assert first.json()["accepted"] == second.json()["accepted"] == 1
    assert "portal_vid" not in second.cookies
    assert third.json()["duplicates"] == 1  # the same cookie, although the address changed


def test_address_and_agent_are_never_stored_raw(api, published, settings):
    settings.TRENDING_STORE = "database"

    post(api, {"article": published[0].pk}, REMOTE_ADDR="203.0.113.77", HTTP_COOKIE="")

    keys = " ".join(StoredSeen.objects.values_list("key", flat=True))
    assert keys and "203.0.113.77" not in keys and "Chrome" not in keys


@pytest.mark.parametrize(
    "body, status",
    [
        ('{"events": [', 400),
        ("[]", 400),
        ('{"events": "lots"}', 400),
        ("{}", 400),
        ('"just a string"', 400),
    ],
)
def test_bad_bodies_are_4xx_json(api, published, body, status):
    response = api.post(URL, data=body, content_type="application/json", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == status
    assert "detail" in response.json() or response.json()


def test_batches_over_100_are_refused(api, published):
    response = post(api, {"events": [{"article": published[0].pk, "visitor": str(i)} for i in range(101)]})

    assert response.status_code == 400
    assert "events" in response.json()


def test_huge_body_is_413(api, published):
    response = api.post(URL, data='{"events": [' + "1," * 2_000_000 + "1]}", content_type="application/json")

    assert response.status_code == 413


def test_too_many_requests_from_one_client_get_429(api, published, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"trending-events": "3/min"}}

    codes = [post(api, {"article": published[0].pk, "visitor": str(i)}).status_code for i in range(4)]

    assert codes == [202, 202, 202, 429]


def test_redis_down_answers_503_and_recovers_without_restart(api, settings, redis_url, trending_keys):
    article = ArticleFactory()
    settings.TRENDING_STORE = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    down = post(api, {"article": article.pk, "visitor": "a"})

    assert down.status_code == 503
    assert "热度存储暂时不可用" in down.json()["detail"]
    settings.REDIS_URL = redis_url
    assert post(api, {"article": article.pk, "visitor": "a"}).json()["accepted"] == 1
    stores.get_store().clear()
