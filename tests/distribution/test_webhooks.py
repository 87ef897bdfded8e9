"""Webhooks: endpoints managed by editors, deliveries signed per Standard Webhooks (checked with
the `standardwebhooks` reference verifier), retried on a schedule, flagged, replayed."""

import time
from datetime import timedelta

import orjson
import pytest
from django.db import connection
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from articles import services as article_services
from distribution import delivery, outbound
from distribution.models import Attempt, Delivery, Endpoint
from tests.distribution import receiver as receiver_module
from tests.processes import killed_midway

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/webhooks/"


@pytest.fixture(autouse=True)
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 5
    settings.FRONTEND_ARTICLE_URL = "https://www.example.cn/a/{id}/{slug}"


@pytest.fixture
def receiver():
    found, server = receiver_module.start()
    yield found
    server.shutdown()


def subscribe(editor_api, url, events=("article.published",)):
    answer = editor_api.post(URL, {"url": url, "events": list(events)}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()


def verified(secret: str, request) -> dict:
    return Webhook(secret).verify(request.body, request.headers)


def test_an_editor_subscribes_and_the_secret_is_shown_once(editor_api, receiver):
    made = subscribe(editor_api, receiver.base + "/hook", ["article.published", "article.deleted"])
    assert made["secret"].startswith("whsec_") and made["active"] is True
    shown = editor_api.get(f"{URL}{made['id']}/").json()
    assert "secret" not in shown and shown["events"] == ["article.published", "article.deleted"]
    assert [e["id"] for e in editor_api.get(URL).json()["results"]] == [made["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/x", "events": ["article.published"]},
        {"url": "not a url", "events": ["article.published"]},
        {"url": "https://example.com/x", "events": []},
        {"url": "https://example.com/x", "events": ["article.exploded"]},
        {"url": "https://user:pw@example.com/x", "events": ["article.published"]},
        {"url": "https://example.com/x"},
        {"events": ["article.published"]},
    ],
)
def test_bad_endpoints_are_a_400(editor_api, body):
    answer = editor_api.post(URL, body, format="json")
    assert answer.status_code == 400, answer.content
    assert Endpoint.objects.count() == 0


NOT_GLOBAL = [
    "127.0.0.1",
    "10.0.0.8",
    "169.254.169.254",
    "[::1]",
    "192.168.1.20",
    "0.0.0.0",
    "0.1.2.3",  # 0.0.0.0/8
    "100.100.100.200",  # Alibaba Cloud's metadata service, in the shared 100.64.0.0/10
    "100.64.0.1",
    "198.18.0.1",  # benchmarking, 198.18.0.0/15
    "224.0.0.1",  # multicast
    "[ff02::1]",
    "[fe80::1]",
    "[2002:a9fe:a9fe::]",  # 6to4 of 169.254.169.254
    "[64:ff9b::a9fe:a9fe]",  # NAT64 of it
    "[64:ff9b:1::808:808]",  # local-use NAT64
    "[::ffff:a9fe:a9fe]",  # IPv4-mapped
    "[::ffff:0:a9fe:a9fe]",  # IPv4-translated
    "[::a9fe:a9fe]",  # IPv4-compatible
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    "localhost",
    "localhost:8000",
]


@pytest.mark.parametrize("host", NOT_GLOBAL)
def test_addresses_that_are_not_globally_routable_are_refused_unless_allowed(editor_api, settings, host):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    answer = editor_api.post(URL, {"url": f"http://{host}/hook", "events": ["article.published"]}, format="json")
    assert answer.status_code == 400 and "url" in answer.json(), answer.content
    assert Endpoint.objects.count() == 0


@pytest.mark.parametrize("host", ["8.8.8.8", "[2606:4700::1111]", "[2002:808:808::]", "[64:ff9b::808:808]"])
def test_public_addresses_in_every_form_are_accepted(editor_api, settings, host):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    answer = editor_api.post(URL, {"url": f"http://{host}/hook", "events": ["article.published"]}, format="json")
    assert answer.status_code == 201, answer.content


@pytest.mark.parametrize("host", ["100.100.100.200", "[2002:a9fe:a9fe::]", "[::ffff:0:7f00:1]", "198.18.0.1"])
def test_a_stored_endpoint_that_is_not_global_is_refused_again_at_send(settings, host):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    started = time.monotonic()
    result = outbound.post(f"http://{host}/latest/meta-data/", b"{}", {})
    assert result.code is None and result.error.startswith("refused")
    assert time.monotonic() - started < 1  # refused before any connection was tried


def test_a_name_resolving_to_a_private_address_is_not_posted_to(settings, receiver):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    result = outbound.post(f"http://localhost:{receiver.base.rsplit(':', 1)[1]}/hook", b"{}", {})
    assert result.code is None and result.error.startswith("refused")
    assert receiver.requests == []


def test_only_editors_manage_webhooks(api, writer_api, editor_api, receiver):
    assert api.get(URL).status_code in (401, 403)
    assert writer_api.get(URL).status_code == 403
    assert (
        writer_api.post(URL, {"url": receiver.base, "events": ["article.published"]}, format="json").status_code == 403
    )
    assert not Endpoint.objects.exists()  # the refusal made nothing
    assert editor_api.get(f"{URL}abc/").status_code == 404
    assert editor_api.get(f"{URL}99999999999999999999/").status_code == 404
    assert editor_api.get(f"{URL}123/deliveries/").status_code == 404


def test_a_publish_is_delivered_signed_with_the_article(editor_api, receiver, write):
    secret = subscribe(editor_api, receiver.base + "/hook")["secret"]
    article = write("普京抵达巴库")
    assert delivery.deliver_due(seconds=5) == 1
    (request,) = receiver.at("/hook")
    body = verified(secret, request)
    assert body["type"] == "article.published"
    assert body["data"]["id"] == article.pk
    assert body["data"]["title"] == "普京抵达巴库"
    assert body["data"]["url"] == f"https://www.example.cn/a/{article.pk}/{article.slug}"
    assert request.headers["webhook-id"].startswith("msg_")
    found = Delivery.objects.get()
    assert (found.status, found.attempts, found.last_response_code) == ("succeeded", 1, 200)
    assert Attempt.objects.get().latency_ms < 5000


def test_only_subscribed_active_endpoints_get_an_event(editor_api, editor, receiver, write, relayed):
    subscribe(editor_api, receiver.base + "/deleted", ["article.deleted"])
    off = subscribe(editor_api, receiver.base + "/off")
    editor_api.patch(f"{URL}{off['id']}/", {"active": False}, format="json")
    article = write("要删的稿子")
    relayed(article_services.article_delete, article_id=article.pk, by=editor)
    delivery.deliver_due(seconds=5)
    assert receiver.at("/off") == []
    (request,) = receiver.at("/deleted")
    data = orjson.loads(request.body)["data"]
    assert (data["id"], data["title"]) == (article.pk, "要删的稿子")  # named though the row is gone


def test_a_failure_is_retried_with_the_same_webhook_id(editor_api, receiver, write):
    url = receiver.answer("/flaky", (500, {}, 0), (200, {}, 0))
    secret = subscribe(editor_api, url)["secret"]
    write("重试的稿子")
    delivery.deliver_due(seconds=5)
    found = Delivery.objects.get()
    assert found.status == "pending" and found.attempts == 1
    wait = (found.next_attempt_at - timezone.now()).total_seconds()
    assert 3 <= wait <= 6.5  # 5 s, jittered
    Delivery.objects.update(next_attempt_at=timezone.now())  # the five seconds pass
    delivery.deliver_due(seconds=5)
    first, second = receiver.at("/flaky")
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verified(secret, second)
    assert list(Attempt.objects.values_list("number", "response_code")) == [(1, 500), (2, 200)]


def test_retry_after_is_honoured_on_429_and_503(editor_api, receiver, write):
    subscribe(editor_api, receiver.answer("/busy", (429, {"Retry-After": "120"}, 0)))
    subscribe(editor_api, receiver.answer("/down", (503, {"Retry-After": "7"}, 0)))
    write("限流")
    delivery.deliver_due(seconds=5)
    waits = {
        d.endpoint.url.rsplit("/", 1)[1]: (d.next_attempt_at - timezone.now()).total_seconds()
        for d in Delivery.objects.select_related("endpoint")
    }
    assert 110 <= waits["busy"] <= 121 and 4 <= waits["down"] <= 8


def test_410_disables_the_endpoint(editor_api, receiver, write):
    made = subscribe(editor_api, receiver.answer("/gone", (410, {}, 0)))
    write("接收方已下线")
    delivery.deliver_due(seconds=5)
    endpoint = Endpoint.objects.get(pk=made["id"])
    assert endpoint.active is False and "410" in endpoint.disabled_reason
    assert Delivery.objects.get().status == "failed"
    assert editor_api.get(f"{URL}{made['id']}/").json()["failing_since"] is not None


def test_after_the_last_attempt_the_endpoint_is_flagged(editor_api, receiver, write):
    made = subscribe(editor_api, receiver.answer("/broken", (500, {}, 0)))
    write("一直失败")
    Delivery.objects.update(attempts=delivery.attempts_allowed() - 1)
    delivery.deliver_due(seconds=5)
    found = Delivery.objects.get()
    assert (found.status, found.next_attempt_at) == ("failed", None)
    assert Endpoint.objects.get(pk=made["id"]).failing_since is not None
    assert Endpoint.objects.get(pk=made["id"]).active is True  # flagged, still on


def test_redirects_are_not_followed(editor_api, receiver, write):
    subscribe(editor_api, receiver.answer("/moved", (302, {"Location": receiver.base + "/elsewhere"}, 0)))
    write("重定向")
    delivery.deliver_due(seconds=5)
    assert receiver.at("/elsewhere") == []
    assert Delivery.objects.get().status == "pending"
    assert "redirect" in Attempt.objects.get().error


def test_a_timeout_is_a_failed_attempt(editor_api, receiver, write, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    subscribe(editor_api, receiver.answer("/slow", (200, {}, 2)))
    write("超时")
    delivery.deliver_due(seconds=5)
    attempt = Attempt.objects.get()
    assert attempt.response_code is None and "timed out" in attempt.error.lower()


def test_one_slow_endpoint_never_delays_the_others(editor_api, receiver, write):
    subscribe(editor_api, receiver.answer("/slow", (200, {}, 3)))  # claimed first
    for n in range(5):
        subscribe(editor_api, receiver.base + f"/fast{n}")
    write("扇出")
    started = time.monotonic()
    delivery.deliver_due(seconds=10, threads=2)
    fast = [r.at - started for n in range(5) for r in receiver.at(f"/fast{n}")]
    assert len(fast) == 5 and max(fast) < 1.5  # all reached while the slow one was still waiting
    assert Delivery.objects.filter(status="succeeded").count() == 6


def test_a_rotated_secret_signs_beside_the_old_one(editor_api, receiver, write):
    made = subscribe(editor_api, receiver.base + "/hook")
    rotated = editor_api.post(f"{URL}{made['id']}/rotate-secret/").json()
    assert rotated["secret"] != made["secret"]
    write("轮换密钥")
    delivery.deliver_due(seconds=5)
    (request,) = receiver.at("/hook")
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    verified(made["secret"], request)
    verified(rotated["secret"], request)
    Endpoint.objects.update(previous_secret_until=timezone.now() - timedelta(seconds=1))
    assert Endpoint.objects.get().secrets_in_use() == [rotated["secret"]]


def test_deliveries_are_listed_and_replayed(editor_api, receiver, write):
    made = subscribe(editor_api, receiver.base + "/hook")
    write("可重放")
    delivery.deliver_due(seconds=5)
    listed = editor_api.get(f"{URL}{made['id']}/deliveries/").json()["results"]
    (item,) = listed
    detail = editor_api.get(f"{URL}{made['id']}/deliveries/{item['id']}/").json()
    assert detail["payload"]["type"] == "article.published"
    assert [a["response_code"] for a in detail["attempt_log"]] == [200]
    replayed = editor_api.post(f"{URL}{made['id']}/deliveries/{item['id']}/replay/")
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    delivery.deliver_due(seconds=5)
    first, second = receiver.at("/hook")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == item["webhook_id"]
    assert editor_api.post(f"{URL}{made['id']}/deliveries/999999/replay/").status_code == 404


def test_replay_since_sends_again_and_delivers_what_was_missed(editor_api, receiver, write):
    made = subscribe(editor_api, receiver.base + "/hook")
    write("第一篇")
    delivery.deliver_due(seconds=5)
    editor_api.patch(f"{URL}{made['id']}/", {"active": False}, format="json")
    write("停用期间的稿子")
    delivery.deliver_due(seconds=5)
    assert len(receiver.at("/hook")) == 1
    since = (timezone.now() - timedelta(hours=1)).isoformat()
    answer = editor_api.post(f"{URL}{made['id']}/replay/", {"since": since}, format="json")
    assert answer.json() == {"replayed": 2}
    delivery.deliver_due(seconds=5)
    titles = sorted(orjson.loads(r.body)["data"]["title"] for r in receiver.at("/hook"))
    assert titles == ["停用期间的稿子", "第一篇", "第一篇"]
    assert editor_api.post(f"{URL}{made['id']}/replay/", {"since": "yesterday"}, format="json").status_code == 400


CHILD = """
import django
django.setup()
from distribution import delivery, outbound
posting = outbound.post
def post(url, body, headers):
    print("inside", flush=True)
    return posting(url, body, headers)
outbound.post = post
delivery.deliver_due(seconds=30)
"""


@pytest.mark.e2e  # starts a second process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_delivery_delivers_it_afterwards_with_the_same_id(editor_api, receiver, write, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a shared database (DATABASE_URL=postgres://...); SQLite's is in memory")
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "1")
    monkeypatch.setattr("distribution.delivery._kick", lambda *count: None)  # the child sends, not a worker
    url = receiver.answer("/hook", (200, {}, 8), (200, {}, 0))  # the first request hangs
    secret = subscribe(editor_api, url)["secret"]
    write("送到一半")
    with killed_midway(CHILD):
        receiver.wait_for("/hook", 1)  # the child's request is at the receiver
    found = Delivery.objects.get()
    assert found.status == "pending" and found.leased_until > timezone.now()
    Delivery.objects.update(leased_until=timezone.now())  # its lease runs out
    assert delivery.deliver_due(seconds=5) == 1
    first, second = receiver.wait_for("/hook", 2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verified(secret, second)
    assert Delivery.objects.get().status == "succeeded"


ARTICLE_EVENTS = ("article.published", "article.updated", "article.unpublished")


def test_a_failing_receiver_never_gets_a_publish_after_the_retraction(editor_api, editor, receiver, write, relayed):
    """Issue 24, item 3: the receiver answers 503 while an article is published, then pulled 1.25 s
    later; once it recovers it gets the retraction, and the publish's retry is superseded (kept,
    never sent), not delivered after it."""
    url = receiver.answer("/order", (503, {}, 0))
    secret = subscribe(editor_api, url, events=ARTICLE_EVENTS)["secret"]
    article = write("先发后撤的稿子")
    assert delivery.deliver_due(seconds=5) == 1  # the publish: 503, retried in about 5 s
    relayed(article_services.article_unpublish, article_id=article.pk, by=editor)

    receiver.answer("/order", (200, {}, 0))  # the receiver is back
    delivery.deliver_due(seconds=5)  # the retraction goes at once
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())  # the publish's retry is due
    delivery.deliver_due(seconds=5)

    bodies = [verified(secret, r) for r in receiver.at("/order")]
    assert [b["type"] for b in bodies] == ["article.published", "article.unpublished"]  # the first was a 503
    published, unpublished = Delivery.objects.order_by("event_id")
    assert (published.status, unpublished.status) == ("superseded", "succeeded")
    assert bodies[1]["data"]["version"] > bodies[0]["data"]["version"]  # receivers can drop stale ones


def test_a_newer_delivery_waits_while_an_older_one_of_the_article_is_on_its_way(
    editor_api, editor, receiver, write, relayed
):
    subscribe(editor_api, receiver.answer("/order"), events=ARTICLE_EVENTS)
    article = write("在途的旧消息")
    relayed(
        article_services.article_update, article_id=article.pk, by=editor, expected_version=None, data={"title": "新"}
    )
    older, newer = Delivery.objects.order_by("event_id")
    # Another worker has the older one in flight.
    Delivery.objects.filter(pk=older.pk).update(leased_until=timezone.now() + timedelta(seconds=30))

    taken = delivery.claim(10)

    assert taken == []
    newer.refresh_from_db()
    assert newer.status == "pending" and newer.leased_until is None and newer.next_attempt_at > timezone.now()


def test_an_older_event_relayed_late_is_recorded_superseded_for_an_endpoint_that_has_a_newer_one(
    editor_api, editor, receiver, write
):
    from core import outbox
    from core.models import ConsumerWork, OutboxEvent

    subscribe(editor_api, receiver.answer("/order"), events=ARTICLE_EVENTS)
    article = write("晚到的旧事件")
    first = Delivery.objects.get()
    Delivery.objects.filter(pk=first.pk).delete()  # as if the publish's webhooks work had failed
    published = OutboxEvent.objects.get(pk=first.event_id)
    article_services.article_unpublish(article_id=article.pk, by=editor)
    outbox.relay()
    ConsumerWork.objects.create(event=published, consumer="webhooks", subject=published.subject)

    outbox.relay()  # the publish's work, retried after the retraction's went

    late = Delivery.objects.get(event_id=published.pk)
    assert (late.type, late.status, late.next_attempt_at) == ("article.published", "superseded", None)
