"""The transactional outbox: record a change with the change, hand it to every consumer after commit.

Producers call `record()` inside the transaction that makes the change, so an event exists
exactly when its change does, and with it one `ConsumerWork` row for each declared consumer
(portal/consumers.py declares them and their order). After the commit the relay runs (in the
saving process at once; `manage.py outbox_relay` and a beat sweep catch the rest) and hands the
event to each consumer whose row is due, at least once: consumers are idempotent.

Each consumer keeps its own position: one that fails on an event leaves its own row pending with
a growing back-off and holds back no other consumer. A consumer of a subject's current state
(`supersedes`) is not held back by its own failure either: a later event of the subject runs,
and its success supersedes the older rows. A row that keeps failing is quarantined after
`quarantine_after` attempts (about an hour), counted in /metrics and shown on the desk with a
retry. Consumers whose effect lies outside the database (`after_commit`, the answer cache) run
once the event's transaction has committed, and their row goes only when they succeed, so a
purge that fails while Redis is down stays pending and is retried until it succeeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from opentelemetry import propagate, trace

from .models import ConsumerWork, OutboxEvent

logger = logging.getLogger(__name__)
# Spans (when tracing is on, portal/tracing.py): the relay of each event, and each consumer in it,
# in the trace of the request that made the change.
tracer = trace.get_tracer("portal.outbox")

Handler = Callable[[OutboxEvent], None]

# Consumers run in this order; those that settle what a change reaches (stored documents add
# the keys of the answers it touches) come before those that act on the keys (purges).
FIRST, PURGE = 100, 900


@dataclass(frozen=True)
class Consumer:
    """A declared consumer of every event.

    `supersedes`: it acts on the subject's current state, so the newest event of a subject stands
    for the older ones: their pending or quarantined rows go once it succeeds. `after_commit`: it
    runs after the event's transaction commits (its effect is outside the database). `retry`: the
    back-off schedule (seconds after each failure; the last repeats). `quarantine_after`: attempts
    before a person must retry it; None retries for ever (purges, which must never be lost).
    `reacts_to`: the events it acts on, in words (the desk shows it beside its progress).
    """

    name: str
    handle: Handler
    order: int = FIRST
    supersedes: bool = True
    after_commit: bool = False
    retry: Callable[[], list[float]] | None = None
    quarantine_after: Callable[[], int | None] | None = None
    reacts_to: str = ""

    def backoff(self, attempts: int) -> timedelta:
        schedule = self.retry() if self.retry else settings.OUTBOX_RETRY_SECONDS
        return timedelta(seconds=schedule[min(attempts, len(schedule)) - 1])

    def quarantines_at(self) -> int | None:
        return self.quarantine_after() if self.quarantine_after else settings.OUTBOX_QUARANTINE_AFTER


_consumers: dict[str, Consumer] = {}


def register(name: str, handle: Handler, *, order: int = FIRST, **options) -> None:
    """Declare a consumer of every event (portal/consumers.py; tests); a name registers once.

    A consumer may add keys to `event.keys`; consumers of a later `order` see them, and the
    event keeps them.
    """
    _consumers[name] = Consumer(name, handle, order, **options)


# Queues the relay loop also sends (the CDN purge queue): what sends the due items, and in how
# many seconds the next one is due. Apps above register theirs in ready().
_queues: dict[str, tuple[Callable[[], object], Callable[[], float]]] = {}


def register_queue(name: str, send: Callable[[], object], due_in: Callable[[], float]) -> None:
    """A queue the relay loop (`manage.py outbox_relay`) sends when due, beside the events."""
    _queues[name] = (send, due_in)


def queues() -> dict[str, tuple[Callable[[], object], Callable[[], float]]]:
    return dict(_queues)


def unregister(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> dict[str, Consumer]:
    """Name to consumer, in the order they run."""
    return dict(sorted(_consumers.items(), key=lambda item: item[1].order))


def record(*, type: str, subject: str, keys: Iterable[str] = (), data: dict | None = None) -> OutboxEvent:
    """Record a change in the caller's transaction; the relay runs once it commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.record() belongs inside the transaction that makes the change")
    carrier: dict[str, str] = {}
    propagate.inject(carrier)  # nothing unless a span is recording
    event = OutboxEvent.objects.create(
        type=type,
        subject=subject,
        keys=sorted(set(keys)),
        data=data or {},
        trace_context=carrier.get("traceparent", "")[:200],
    )
    ConsumerWork.objects.bulk_create(
        [ConsumerWork(event=event, consumer=name, subject=subject) for name in consumers()]
    )
    event_id = event.pk
    transaction.on_commit(lambda: relay_after_commit([event_id]), robust=True)
    return event


def relay_after_commit(ids: list[int]) -> None:
    """Relay what a transaction recorded, right after its commit; never raises to the saver."""
    if not settings.OUTBOX_RELAY_ON_COMMIT:
        return
    try:
        relay(ids=ids)
    except Exception:  # the relay loop retries; the change itself is saved
        logger.exception("outbox relay after commit failed; the relay loop will retry")


def _due(now) -> Q:
    return Q(state=ConsumerWork.State.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def relay(*, ids: Iterable[int] | None = None, limit: int = 200, grace: float = 0.0) -> int:
    """Hand due work to its consumers, oldest event first; returns how many events are now done.

    With `ids`, only those events (what a commit just recorded). `grace`: leave events younger
    than this many seconds that were never tried to the process that saved them (its relay
    runs right after its commit, and drops its own process's copies of what changed at once).
    Each event's work in a transaction of its own, its rows locked (skipped if another relay
    holds them), so a killed process leaves them pending and concurrent relays never take one
    twice.
    """
    now = timezone.now()
    due = ConsumerWork.objects.filter(_due(now))
    if ids is not None:
        due = due.filter(event_id__in=list(ids))
    if grace > 0:
        due = due.exclude(attempts=0, event__created_at__gt=now - timedelta(seconds=grace))
    event_ids = list(dict.fromkeys(due.order_by("event_id").values_list("event_id", flat=True)[: limit * 4]))
    done = 0
    for event_id in event_ids[:limit]:
        if _relay_event(event_id):
            done += 1
    return done


def _relay_event(event_id: int) -> bool:
    """Relay one event's due work in a span of the trace that made it; True when it is all done."""
    event = OutboxEvent.objects.filter(pk=event_id).only("type", "trace_context").first()
    if event is None:
        return False
    parent = propagate.extract({"traceparent": event.trace_context}) if event.trace_context else None
    with tracer.start_as_current_span(
        f"outbox.relay {event.type}", context=parent, attributes={"portal.outbox.event": event_id}
    ):
        later = _relay_in_transaction(event_id)
        for name in later:
            _relay_after_commit(event_id, name)
    return not ConsumerWork.objects.filter(event_id=event_id).exists()


def _locked(rows):
    if connection.features.has_select_for_update_skip_locked:
        return rows.select_for_update(skip_locked=True)
    return rows


def _relay_in_transaction(event_id: int) -> list[str]:
    """Run the event's due in-transaction work, each consumer in a savepoint of its own; returns
    the names of its due after-commit work."""
    declared = consumers()
    with transaction.atomic():
        works = {w.consumer: w for w in _locked(ConsumerWork.objects.filter(_due(timezone.now()), event_id=event_id))}
        if not works:
            return []
        event = OutboxEvent.objects.get(pk=event_id)
        keys_before = list(event.keys)
        retried = False
        # Work of a consumer this process does not declare (newer code during a rolling deploy)
        # is left for a process that does.
        for name, consumer in declared.items():
            work = works.get(name)
            if work is None or consumer.after_commit:
                continue
            if _run(consumer, work, event) and work.attempts:
                retried = True
        if event.keys != keys_before:
            event.keys = sorted(set(event.keys))
            event.save(update_fields=["keys"])
        requeued: set[str] = set()
        if retried and event.keys != keys_before:
            # A retry that succeeded named answers the first pass could not: purge those too.
            chosen = [c for c in declared.values() if c.order >= PURGE and c.name not in works]
            _requeue(event, chosen)
            requeued = {c.name for c in chosen}
        _settle(event)
        return [n for n, c in declared.items() if c.after_commit and (n in works or n in requeued)]


def _relay_after_commit(event_id: int, name: str) -> None:
    consumer = consumers().get(name)
    if consumer is None:
        return
    with transaction.atomic():
        work = _locked(ConsumerWork.objects.filter(_due(timezone.now()), event_id=event_id, consumer=name)).first()
        if work is None:
            return  # done meanwhile, or another relay has it
        event = OutboxEvent.objects.get(pk=event_id)
        _run(consumer, work, event, savepoint=False)
        _settle(event, counted=False)


def _run(consumer: Consumer, work: ConsumerWork, event: OutboxEvent, *, savepoint: bool = True) -> bool:
    """Run one consumer on one event; True when its work is done (or superseded)."""
    from . import metrics

    if consumer.supersedes and _newer_pending(work):
        work.delete()  # a later event of the subject will bring its current state
        metrics.outbox_superseded(consumer.name)
        return True
    keys = list(event.keys)
    started = time.perf_counter()
    try:
        with tracer.start_as_current_span(f"outbox.consume {consumer.name}"):
            if savepoint:
                with transaction.atomic():
                    consumer.handle(event)
            else:
                consumer.handle(event)
    except Exception as error:  # the failure stays with this consumer's row; the save is long done
        event.keys = keys  # whatever the failed run named is not trusted
        _failed(consumer, work, event, error)
        return False
    metrics.outbox_consumed(consumer.name, time.perf_counter() - started)
    work.delete()
    if consumer.supersedes:
        older = ConsumerWork.objects.filter(consumer=work.consumer, subject=work.subject, event_id__lt=work.event_id)
        stale = list(_locked(older).values_list("pk", "event_id"))
        if stale:
            ConsumerWork.objects.filter(pk__in=[pk for pk, _ in stale]).delete()
            for _ in stale:
                metrics.outbox_superseded(consumer.name)
            _close_if_done({event_id for _, event_id in stale})
    return True


def _close_if_done(event_ids: set[int]) -> None:
    """Events whose last work was superseded are done."""
    owing = ConsumerWork.objects.filter(event_id__in=event_ids).values_list("event_id", flat=True)
    done = event_ids - set(owing)
    if done:
        OutboxEvent.objects.filter(pk__in=done, done_at__isnull=True).update(done_at=timezone.now(), last_error="")


def _newer_pending(work: ConsumerWork) -> bool:
    return ConsumerWork.objects.filter(
        consumer=work.consumer, subject=work.subject, event_id__gt=work.event_id, state=ConsumerWork.State.PENDING
    ).exists()


def _failed(consumer: Consumer, work: ConsumerWork, event: OutboxEvent, error: Exception) -> None:
    now = timezone.now()
    work.attempts += 1
    work.last_error = f"{type(error).__name__}: {error}"[:2000]
    limit = consumer.quarantines_at()
    if limit is not None and work.attempts >= limit:
        work.state = ConsumerWork.State.QUARANTINED
        work.quarantined_at = now
        work.next_attempt_at = None
    else:
        work.next_attempt_at = now + consumer.backoff(work.attempts)
    work.save(update_fields=["attempts", "last_error", "state", "quarantined_at", "next_attempt_at"])
    event.last_error = f"{consumer.name}: {work.last_error}"[:2000]
    logger.warning(
        "outbox event %s (%s %s) failed in %s (attempt %d%s): %s",
        event.pk,
        event.type,
        event.subject,
        consumer.name,
        work.attempts,
        ", quarantined" if work.state == ConsumerWork.State.QUARANTINED else "",
        error,
        exc_info=error,
    )


def _settle(event: OutboxEvent, *, counted: bool = True) -> None:
    """Bring the event's own summary up to date: passes, the last error, done once no work is left."""
    left = ConsumerWork.objects.filter(event_id=event.pk)
    event.attempts += 1 if counted else 0
    event.next_attempt_at = left.filter(state=ConsumerWork.State.PENDING).aggregate(at=Min("next_attempt_at"))["at"]
    fields = ["attempts", "next_attempt_at", "last_error"]
    if not left.exists():
        event.done_at = timezone.now()
        event.last_error = ""
        fields.append("done_at")
    event.save(update_fields=fields)


def _requeue(event: OutboxEvent, chosen: list[Consumer]) -> None:
    ConsumerWork.objects.bulk_create(
        [ConsumerWork(event=event, consumer=c.name, subject=event.subject) for c in chosen], ignore_conflicts=True
    )
    if chosen and event.done_at is not None:
        OutboxEvent.objects.filter(pk=event.pk).update(done_at=None)
        event.done_at = None


def relay_all(*, seconds: float = 20.0, grace: float = 0.0) -> int:
    """Relay until nothing is due or `seconds` have passed (the sweep and the relay loop)."""
    started = time.monotonic()
    total = 0
    while time.monotonic() - started < seconds:
        done = relay(grace=grace)
        total += done
        if not done:
            break
    return total


def next_due_in(*, at_most: float) -> float:
    """Seconds until the next pending work is due (0 when some is), at most `at_most`."""
    at = ConsumerWork.objects.filter(state=ConsumerWork.State.PENDING).aggregate(at=Min("next_attempt_at"))
    if ConsumerWork.objects.filter(_due(timezone.now())).exists():
        return 0.0
    if at["at"] is None:
        return at_most
    return max(0.0, min(at_most, (at["at"] - timezone.now()).total_seconds()))


def prune(*, now=None) -> int:
    """Forget events done more than OUTBOX_KEEP_DAYS ago; pending ones are kept whatever their age."""
    now = now or timezone.now()
    deleted, _ = OutboxEvent.objects.filter(done_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)).delete()
    return deleted


def retry_now(*, event_ids: Iterable[int] = (), work_ids: Iterable[int] = ()) -> int:
    """Make failing or quarantined work due at once (the admin's and the desk's retry); returns
    how many rows. A retried row that fails again is quarantined again at once."""
    rows = ConsumerWork.objects.filter(Q(event_id__in=list(event_ids)) | Q(pk__in=list(work_ids)))
    return rows.update(state=ConsumerWork.State.PENDING, next_attempt_at=None)


def lag_seconds() -> float:
    """How long the oldest event still owed by a consumer (quarantined aside) has waited; 0 when none."""
    oldest = ConsumerWork.objects.filter(state=ConsumerWork.State.PENDING).aggregate(at=Min("event__created_at"))["at"]
    return max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0


def consumer_health() -> dict[str, tuple[float, int]]:
    """Each declared consumer's lag (seconds its oldest pending event has waited) and quarantined count."""
    now = timezone.now()
    health = {name: (0.0, 0) for name in consumers()}
    rows = ConsumerWork.objects.values("consumer").annotate(
        oldest=Min("event__created_at", filter=Q(state=ConsumerWork.State.PENDING)),
        quarantined=Count("pk", filter=Q(state=ConsumerWork.State.QUARANTINED)),
    )
    for row in rows:
        lag = max(0.0, (now - row["oldest"]).total_seconds()) if row["oldest"] else 0.0
        health[row["consumer"]] = (lag, row["quarantined"])
    return health
