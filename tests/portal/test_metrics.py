"""`/metrics` (Prometheus): off unless METRICS_ENABLED, for scrapers with the token or from an
allowed address, counting what the issue names. Counters are process-wide, so tests compare
what a scrape shows before and after."""

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from trending.models import Snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def enabled(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = "scrape-secret"
    settings.METRICS_ALLOWED_ADDRESSES = ["10.1.2.0/24"]
    return settings


def scrape(client: Client | None = None) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_not_there_unless_enabled(settings):
    settings.METRICS_ENABLED = False

    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything")

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("headers", "address", "status"),
    [
        ({}, "203.0.113.9", 404),
        ({"HTTP_AUTHORIZATION": "Bearer wrong"}, "203.0.113.9", 404),
        ({"HTTP_AUTHORIZATION": "scrape-secret"}, "203.0.113.9", 404),
        ({"HTTP_AUTHORIZATION": "Bearer scrape-secret"}, "203.0.113.9", 200),
        ({}, "10.1.2.77", 200),
        ({}, "127.0.0.1", 404),  # a list is set: loopback is not in it
    ],
)
def test_a_scrape_needs_the_token_or_an_allowed_address(enabled, headers, address, status):
    response = Client(REMOTE_ADDR=address).get("/metrics", **headers)

    assert response.status_code == status
    assert "no-store" in response.get("Cache-Control", "no-store")


def test_with_nothing_configured_only_this_machine_may_scrape(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = []

    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.1").get("/metrics").status_code == 404


def test_requests_are_counted_and_timed_by_route_not_by_path(enabled, write):
    first, second = write("统计一"), write("统计二")
    before = scrape()
    client = Client()  # made after METRICS_ENABLED: its middleware counts

    for article in (first, second, first):
        assert client.get(f"/api/v1/articles/{article.pk}/").status_code == 200
    assert client.get("/api/v1/articles/999999/").status_code == 404
    assert client.get("/no/such/page").status_code == 404

    after = scrape()
    route = "api/v1/articles/{pk}/"
    grew = value(after, "portal_http_requests_total", route=route, method="GET", status="200") - value(
        before, "portal_http_requests_total", route=route, method="GET", status="200"
    )
    assert grew == 3
    assert (
        value(after, "portal_http_requests_total", route=route, method="GET", status="404")
        - value(before, "portal_http_requests_total", route=route, method="GET", status="404")
        == 1
    )
    assert (
        value(after, "portal_http_request_duration_seconds_count", route=route)
        - value(before, "portal_http_request_duration_seconds_count", route=route)
        == 4
    )
    unmatched = ("portal_http_requests_total", (("method", "GET"), ("route", "(unmatched)"), ("status", "404")))
    assert after.get(unmatched, 0) - before.get(unmatched, 0) == 1
    assert not any(f"/{first.pk}/" in dict(labels).get("route", "") for _, labels in after)


def test_reader_events_are_counted_by_outcome(enabled, write, trending_keys):
    article = write("热度统计")
    before = scrape()
    bot = {"HTTP_USER_AGENT": "Googlebot/2.1 (+http://www.google.com/bot.html)"}
    person = {"HTTP_USER_AGENT": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile Safari/604.1"}
    client = Client()

    client.post(
        "/api/v1/trending/events/",
        {
            "events": [
                {"article": article.pk, "visitor": "v1"},
                {"article": article.pk, "visitor": "v1"},
                {"article": "x"},
            ]
        },
        content_type="application/json",
        **person,
    )
    client.post("/api/v1/trending/events/", {"article": article.pk}, content_type="application/json", **bot)

    after = scrape()
    grew = {
        outcome: value(after, "portal_trending_events_total", outcome=outcome)
        - value(before, "portal_trending_events_total", outcome=outcome)
        for outcome in ("accepted", "duplicate", "invalid", "bot")
    }
    assert grew == {"accepted": 1, "duplicate": 1, "invalid": 1, "bot": 1}


def test_a_publish_is_timed_until_the_api_and_search_show_it(enabled, write):
    before = scrape()

    write("上线计时")

    after = scrape()
    for channel in ("api", "search"):
        name = "portal_publish_to_visible_seconds_count"
        assert value(after, name, channel=channel) - value(before, name, channel=channel) == 1, channel


def test_a_scrape_reads_queue_lengths_outbox_lag_and_the_rails_age(enabled, write):
    from django.utils import timezone

    write("队列")
    Snapshot.objects.update_or_create(
        rail="now",
        section_slug="",
        defaults={"generated_at": timezone.now() - timezone.timedelta(seconds=42), "items": []},
    )

    samples = scrape()

    for queue in ("default", "rail", "outbox", "renditions", "maintenance"):
        assert ("portal_celery_queue_length", (("queue", queue),)) in samples
    assert value(samples, "portal_outbox_lag_seconds") == 0  # everything was relayed
    assert 42 <= value(samples, "portal_rail_age_seconds", rail="now") < 60


def test_a_scrape_shows_each_consumers_lag_quarantined_work_and_superseded_runs(enabled, settings, time_machine):
    from django.db import transaction
    from django.utils import timezone

    from core import outbox

    settings.OUTBOX_QUARANTINE_AFTER = 2
    settings.OUTBOX_RETRY_SECONDS = [1]

    def broken(event):
        raise RuntimeError("broken")

    outbox.register("test-broken", broken)
    try:
        time_machine.move_to(timezone.now(), tick=False)
        with transaction.atomic():
            outbox.record(type="thing.updated", subject="thing:1")
        outbox.relay()
        time_machine.shift(1)
        outbox.relay()  # its second attempt: quarantined
        with transaction.atomic():
            outbox.record(type="thing.updated", subject="thing:2")
        outbox.relay()  # its first: pending, and waiting from now on
        time_machine.shift(30)
        samples = scrape()
    finally:
        outbox.unregister("test-broken")

    assert value(samples, "portal_outbox_quarantined", consumer="test-broken") == 1
    assert value(samples, "portal_outbox_consumer_lag_seconds", consumer="test-broken") == 30
    assert value(samples, "portal_outbox_quarantined", consumer="documents") == 0
    assert value(samples, "portal_outbox_consumer_lag_seconds", consumer="documents") == 0
    assert value(samples, "portal_outbox_consumed_total", consumer="documents") >= 2


def test_rendition_time_is_recorded_per_spec(enabled, photo_editor, media_root):
    from media.tasks import renditions_generate_task
    from tests.media.factories import make_image

    before = scrape()
    image = make_image(photo_editor)

    renditions_generate_task.apply(args=[image.pk]).get()

    after = scrape()
    name = "portal_rendition_seconds_count"
    assert value(after, name, spec="640w", format="jpeg") - value(before, name, spec="640w", format="jpeg") == 1
    assert value(after, name, spec="square", format="webp") - value(before, name, spec="square", format="webp") == 1
