"""The change stream: recorded with the change, relayed after commit in order per subject, at
least once, with retries and back-off; nothing lost to a killed process."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from articles import services as article_services
from core import outbox
from core.models import ConsumerWork, OutboxEvent
from distribution.purge import queue as purge
from tests.articles.factories import AuthorFactory, SectionFactory, TagFactory
from tests.processes import killed_midway

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """What a test consumer was handed, in order; it fails while `failing` holds a subject."""
    seen: list[tuple[str, str]] = []
    failing: set[str] = set()

    def consumer(event):
        if event.subject in failing:
            raise RuntimeError(f"cannot handle {event.subject} yet")
        seen.append((event.type, event.subject))

    outbox.register("test-received", consumer, supersedes=False)
    yield seen, failing
    outbox.unregister("test-received")


@pytest.fixture
def current():
    """A consumer of a subject's current state: the ids of the events it ran on; it fails on the
    events whose ordinal (1 = first recorded in the test) is in `failing`."""
    seen: list[int] = []
    failing: set[int] = set()
    first = []

    def consumer(event):
        first.append(event.pk) if not first else None
        if event.pk - first[0] + 1 in failing:
            raise RuntimeError("poison")
        seen.append(event.pk)

    outbox.register("test-current", consumer)
    yield seen, failing
    outbox.unregister("test-current")


def _record(kind="thing.updated", subject="thing:1", keys=("thing-1",)):
    with transaction.atomic():
        return outbox.record(type=kind, subject=subject, keys=keys)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # no test transaction around it
def test_an_event_outside_the_changes_transaction_is_refused():
    with pytest.raises(RuntimeError):
        outbox.record(type="thing.updated", subject="thing:1")


def test_a_rolled_back_change_leaves_no_event():
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox.record(type="thing.updated", subject="thing:1")
        raise ZeroDivisionError("the change failed after its event was recorded")

    assert not OutboxEvent.objects.exists()


def test_after_commit_every_consumer_gets_the_event_once(received, django_capture_on_commit_callbacks):
    seen, _ = received

    with django_capture_on_commit_callbacks(execute=True):
        event = _record()
    outbox.relay()

    event.refresh_from_db()
    assert seen == [("thing.updated", "thing:1")]
    assert event.done_at is not None and event.attempts == 1 and event.last_error == ""


def test_a_failing_consumer_holds_back_no_other_consumer_and_no_other_event(received):
    seen, failing = received
    other_seen = []
    outbox.register("test-other", lambda event: other_seen.append(event.subject), supersedes=False)
    failing.add("thing:1")
    first, second = _record(subject="thing:1"), _record(kind="thing.deleted", subject="thing:1")
    other = _record(subject="thing:2")

    outbox.relay()
    outbox.unregister("test-other")

    work = ConsumerWork.objects.get(event=first, consumer="test-received")
    assert (work.state, work.attempts) == ("pending", 1)
    assert work.last_error == "RuntimeError: cannot handle thing:1 yet"
    assert work.next_attempt_at > timezone.now()
    assert other_seen == ["thing:1", "thing:1", "thing:2"]  # the other consumer went on with all three
    assert seen == [("thing.updated", "thing:2")]
    assert OutboxEvent.objects.get(pk=other.pk).done_at is not None
    assert OutboxEvent.objects.get(pk=first.pk).done_at is None
    assert ConsumerWork.objects.filter(event=second, consumer="test-received").get().attempts == 1  # tried, not held


def test_a_consumer_of_current_state_is_not_held_back_by_an_older_bad_event(current):
    seen, failing = current
    failing.add(1)  # the first event of thing:1 is poison for this consumer
    poison = _record(subject="thing:1")
    outbox.relay()
    assert ConsumerWork.objects.filter(event=poison, consumer="test-current").exists()

    later = _record(kind="thing.deleted", subject="thing:1")
    outbox.relay()

    assert seen == [later.pk]  # the newer event ran at once, though the older one keeps failing...
    assert not ConsumerWork.objects.filter(consumer="test-current").exists()  # ...and superseded it
    assert OutboxEvent.objects.get(pk=poison.pk).done_at is not None


def test_an_older_event_still_due_is_superseded_by_a_newer_one_without_running(current, settings):
    seen, _ = current
    settings.OUTBOX_RELAY_ON_COMMIT = False  # both wait for the relay loop
    older, newer = _record(subject="thing:5"), _record(subject="thing:5")

    outbox.relay()

    assert seen == [newer.pk]
    assert OutboxEvent.objects.filter(pk__in=[older.pk, newer.pk], done_at__isnull=False).count() == 2


def test_work_that_keeps_failing_is_quarantined_then_retried_by_a_person(received, settings, time_machine):
    settings.OUTBOX_QUARANTINE_AFTER = 3
    settings.OUTBOX_RETRY_SECONDS = [10, 60]
    _, failing = received
    failing.add("thing:1")
    time_machine.move_to(timezone.now(), tick=False)
    event = _record()
    outbox.relay()
    work = ConsumerWork.objects.get(event=event, consumer="test-received")
    assert (work.attempts, work.next_attempt_at - timezone.now()) == (1, timedelta(seconds=10))

    time_machine.shift(10)
    outbox.relay()
    time_machine.shift(59)
    assert outbox.relay() == 0  # the second wait is 60 s
    time_machine.shift(1)
    outbox.relay()

    work.refresh_from_db()
    assert (work.state, work.attempts, work.next_attempt_at) == ("quarantined", 3, None)
    time_machine.shift(86_400)
    assert outbox.relay() == 0  # quarantined work waits for a person, however long
    assert outbox.consumer_health()["test-received"] == (0.0, 1)

    failing.clear()
    assert outbox.retry_now(work_ids=[work.pk]) == 1
    assert outbox.relay() == 1
    assert not ConsumerWork.objects.filter(pk=work.pk).exists()
    assert OutboxEvent.objects.get(pk=event.pk).done_at is not None


def test_after_commit_work_runs_after_the_commit_and_stays_until_it_succeeds(settings, time_machine):
    settings.OUTBOX_PURGE_RETRY_SECONDS = 0.5
    calls = []
    down = [True]

    def bump(event):
        calls.append(connection.in_atomic_block)
        if down[0]:
            raise ConnectionError("Redis is down")

    never = lambda: None  # noqa: E731
    retry = lambda: [settings.OUTBOX_PURGE_RETRY_SECONDS]  # noqa: E731
    outbox.register(
        "test-bump", bump, order=outbox.PURGE, after_commit=True, supersedes=False, retry=retry, quarantine_after=never
    )
    try:
        time_machine.move_to(timezone.now(), tick=False)
        event = _record()
        outbox.relay()
        for _ in range(20):  # never quarantined, however often it fails
            time_machine.shift(0.5)
            outbox.relay()
        work = ConsumerWork.objects.get(event=event, consumer="test-bump")
        assert (work.state, work.attempts) == ("pending", 21)

        down[0] = False
        time_machine.shift(0.5)
        outbox.relay()
    finally:
        outbox.unregister("test-bump")

    assert len(calls) == 22
    assert not ConsumerWork.objects.filter(consumer="test-bump").exists()
    assert OutboxEvent.objects.get(pk=event.pk).done_at is not None


def test_a_retry_that_names_more_answers_purges_them_too(received):
    """The documents consumer adds keys; if it first failed, its later success must still reach
    the purges, which had already run with the keys the change itself named."""
    purged = []
    broken = [True]

    def name_more(event):
        if broken[0]:
            raise RuntimeError("not yet")
        event.keys = [*event.keys, "list"]

    outbox.register("test-names", name_more, supersedes=False)
    outbox.register("test-purge", lambda event: purged.append(list(event.keys)), order=outbox.PURGE, supersedes=False)
    try:
        event = _record(keys=["thing-1"])
        outbox.relay()
        broken[0] = False
        outbox.retry_now(event_ids=[event.pk])
        outbox.relay()
        outbox.relay()
    finally:
        outbox.unregister("test-names")
        outbox.unregister("test-purge")

    assert purged == [["thing-1"], ["list", "thing-1"]]


def test_the_consumers_are_declared_in_one_place_in_their_order():
    from portal import consumers

    declared = list(outbox.consumers())
    mine = [name for name in declared if not name.startswith("test-")]

    assert mine == [
        "documents",
        "trending-eligibility",
        "rail",
        "search-index",
        "distribution-keys",
        "replicas",
        "webhooks",
        "websub",
        "api-cache",
        "cdn-purge",
    ]
    assert consumers.declare.__module__ == "portal.consumers"
    assert all(outbox.consumers()[name].reacts_to for name in mine)  # each says what it reacts to
    assert [outbox.consumers()[name].supersedes for name in mine] == [
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        True,
        False,
        False,
    ]  # whether it acts on the subject's current state
    assert outbox.consumers()["api-cache"].after_commit and outbox.consumers()["cdn-purge"].quarantines_at() is None


def test_publishing_records_the_keys_of_the_answers_it_reaches(editor, django_capture_on_commit_callbacks):
    section, tag, author = SectionFactory(), TagFactory(), AuthorFactory()
    article = article_services.article_create(
        by=editor, title="普京抵达巴库", section=section, tags=[tag], bylines=[{"author": author, "role": "文"}]
    )
    backend = purge.backend()

    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_publish(article_id=article.pk, by=editor)

    event = OutboxEvent.objects.exclude(type="article.edited").get(subject=f"article:{article.pk}")
    # Its own answers, every list page (it comes in), pages matching words, feeds and sitemaps;
    # not the whole section, tag or author, whose answers it does not change.
    expected = sorted([f"article-{article.pk}", "list", "search", "feed", "sitemap"])
    assert (event.type, event.keys, event.data["id"]) == ("article.published", expected, article.pk)
    assert event.done_at is not None
    assert backend.purged[-1] == expected


def test_a_drafts_edits_are_recorded_for_the_index_only(editor, django_capture_on_commit_callbacks):
    """Editors search drafts, so the index follows them; nothing readers see changes: no keys,
    no purge, no stored document."""
    from articles.models import Document

    backend = purge.backend()
    before = list(backend.purged)
    with django_capture_on_commit_callbacks(execute=True):
        article = article_services.article_create(by=editor, title="草稿")
    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_update(
            article_id=article.pk, by=editor, expected_version=article.version, data={"title": "还是草稿"}
        )
    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_delete(article_id=article.pk, by=editor)

    events = list(OutboxEvent.objects.order_by("id").values_list("type", "keys"))
    assert events == [("article.edited", [])] * 3
    assert backend.purged == before
    assert not Document.objects.exists()


def test_unpublish_and_delete_and_taxonomy_changes_are_recorded(editor):
    article = article_services.article_create(by=editor, title="将被撤下")
    article_services.article_publish(article_id=article.pk, by=editor)
    article_services.article_unpublish(article_id=article.pk, by=editor)
    other = article_services.article_create(by=editor, title="将被删除")
    article_services.article_publish(article_id=other.pk, by=editor)
    article_services.article_delete(article_id=other.pk, by=editor)
    author = AuthorFactory.build(name="熊超然")
    article_services.taxonomy_save(instance=author, by=editor)

    kinds = list(OutboxEvent.objects.exclude(type="article.edited").order_by("id").values_list("type", "subject"))
    assert kinds == [
        ("article.published", f"article:{article.pk}"),
        ("article.unpublished", f"article:{article.pk}"),
        ("article.published", f"article:{other.pk}"),
        ("article.deleted", f"article:{other.pk}"),
        ("author.updated", f"author:{author.pk}"),
    ]


def test_prune_forgets_old_done_events_and_keeps_pending_ones(settings, received):
    settings.OUTBOX_KEEP_DAYS = 7
    _, failing = received
    failing.add("thing:9")
    done, pending = _record(subject="thing:1"), _record(subject="thing:9")
    outbox.relay()
    long_ago = timezone.now() - timedelta(days=8)
    OutboxEvent.objects.filter(pk=done.pk).update(done_at=long_ago, created_at=long_ago)
    OutboxEvent.objects.filter(pk=pending.pk).update(created_at=long_ago)

    assert outbox.prune() == 1
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [pending.pk]


def test_the_admin_shows_failing_events_and_retries_them(received, django_user_model):
    _, failing = received
    failing.add("thing:1")
    event = _record()
    outbox.relay()
    boss = django_user_model.objects.create_superuser("boss", password="pw-boss-long")
    client = Client()
    client.force_login(boss)

    page = client.get("/admin/core/outboxevent/?state=failing")
    failing.clear()
    retried = client.post(
        "/admin/core/outboxevent/", {"action": "retry_now", "_selected_action": [event.pk]}, follow=True
    )

    assert page.status_code == 200
    body = page.content.decode()
    assert "thing:1" in body and "cannot handle" in body
    assert retried.status_code == 200
    assert OutboxEvent.objects.get(pk=event.pk).done_at is not None


def test_the_desks_retry_button_relays_quarantined_work_at_once(received, settings, django_user_model):
    settings.OUTBOX_QUARANTINE_AFTER = 1
    _, failing = received
    failing.add("thing:1")
    event = _record()
    outbox.relay()
    work = ConsumerWork.objects.get(event=event, consumer="test-received")
    assert work.state == "quarantined"
    boss = django_user_model.objects.create_superuser("boss", password="pw-boss-long")
    client = Client()
    client.force_login(boss)
    listing = client.get("/admin/core/consumerwork/?state=quarantined")
    assert "cannot handle thing:1 yet" in listing.content.decode()

    refused = client.get(f"/admin/core/consumerwork/{work.pk}/retry/")
    failing.clear()
    retried = client.post(f"/admin/core/consumerwork/{work.pk}/retry/", {"next": "/admin/"})

    assert refused.status_code == 405
    assert (retried.status_code, retried["Location"]) == (302, "/admin/")
    assert not ConsumerWork.objects.filter(pk=work.pk).exists()
    assert OutboxEvent.objects.get(pk=event.pk).done_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_relays_at_once_hand_each_event_over_once(received):
    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads need PostgreSQL (DATABASE_URL); SQLite serialises writers itself")
    seen, _ = received
    for n in range(60):
        _record(subject=f"thing:{n % 7}", keys=[f"thing-{n}"])

    def run():
        try:
            outbox.relay_all(seconds=20)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Each event handed over exactly once: sixty handovers and no work left (a duplicate would
    # need a miss, and a miss leaves its row). A subject's events no longer wait for each other:
    # consumers keep their own positions, and order is theirs to keep (supersession).
    assert len(seen) == 60
    assert not ConsumerWork.objects.exists()
    assert not OutboxEvent.objects.filter(done_at__isnull=True).exists()


CHILD = """
import time
import django
django.setup()
from core import outbox

def stall(event):
    print("inside", flush=True)  # inside the relay's transaction, event not yet marked done
    time.sleep(120)

outbox.register("stall", stall)
outbox.relay_all()
"""


@pytest.mark.e2e  # starts a second process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_relay_killed_mid_event_loses_nothing(received, settings):
    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a shared database (DATABASE_URL=postgres://...); SQLite's is in memory")
    settings.OUTBOX_RELAY_ON_COMMIT = False  # the child relays, not this process
    seen, _ = received
    # Work is owed to the consumers declared where the change is recorded: the stalling one too
    # (here it does nothing; in the child it stalls until killed).
    outbox.register("stall", lambda event: None)
    try:
        event = _record()

        with killed_midway(CHILD):
            pass  # the child holds the event, inside its transaction

        event.refresh_from_db()
        assert (event.done_at, event.attempts) == (None, 0)  # the killed transaction rolled back
        assert ConsumerWork.objects.filter(event=event, attempts=0).count() == len(outbox.consumers())

        assert outbox.relay() == 1
    finally:
        outbox.unregister("stall")
    assert seen == [("thing.updated", "thing:1")]
