"""The transactional outbox: record a change with the change, hand it to every consumer after commit.

Producers call `record()` inside the transaction that makes the change, so an event exists
exactly when its change does. After the commit the relay runs (in the same process, at once;
a beat sweep catches anything left), handing each event to every registered consumer in id
order per subject, at least once: consumers are idempotent. A consumer that fails leaves the
event pending with a growing back-off, and later events of the same subject wait behind it.
Events live in the database, so a worker killed mid-event or Redis restarting loses none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from opentelemetry import propagate, trace

from .models import OutboxEvent

logger = logging.getLogger(__name__)
# Spans (when tracing is on, portal/tracing.py): the relay of each event, and each consumer in it,
# in the trace of the request that made the change.
tracer = trace.get_tracer("portal.outbox")

Consumer = Callable[[OutboxEvent], None]

# Consumers run in this order; those that settle what a change reaches (stored documents add
# the keys of the answers it touches) come before those that act on the keys (purges).
FIRST, PURGE = 100, 900

_consumers: dict[str, tuple[int, Consumer]] = {}


def register(name: str, consumer: Consumer, *, order: int = FIRST) -> None:
    """Add a consumer of every event (apps call this in `ready()`); a name registers once.

    A consumer may add keys to `event.keys`; consumers of a later `order` see them, and the
    event keeps them.
    """
    _consumers[name] = (order, consumer)


def unregister(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> dict[str, Consumer]:
    """Name to consumer, in the order they run."""
    ordered = sorted(_consumers.items(), key=lambda item: item[1][0])
    return {name: consumer for name, (_, consumer) in ordered}


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
    event_id = event.pk
    transaction.on_commit(lambda: relay_after_commit([event_id]), robust=True)
    return event


def relay_after_commit(ids: list[int]) -> None:
    """Relay what a transaction recorded, right after its commit; never raises to the saver."""
    if not settings.OUTBOX_RELAY_ON_COMMIT:
        return
    try:
        relay(ids=ids)
        # Another process may be relaying an earlier event of the same subject: this one waits
        # its turn (order per subject), briefly, rather than for the sweep.
        for _ in range(20):
            waiting = OutboxEvent.objects.filter(pk__in=ids, done_at__isnull=True, next_attempt_at__isnull=True)
            if not waiting.exists():
                break
            time.sleep(0.05)
            relay(ids=ids)
    except Exception:  # the sweep retries; the change itself is saved
        logger.exception("outbox relay after commit failed; the sweep will retry")


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, settings.OUTBOX_MAX_BACKOFF_SECONDS))


def relay(*, ids: Iterable[int] | None = None, limit: int = 200) -> int:
    """Hand pending events to every consumer, oldest first; returns how many are done.

    With `ids`, only the subjects of those events (what a commit just recorded).

    Each event in a transaction of its own, its row locked (skipped if another relay holds
    it), so a killed process leaves it pending and concurrent relays never take one twice.
    """
    now = timezone.now()
    pending = OutboxEvent.objects.filter(done_at__isnull=True).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    if ids is not None:
        # These events' subjects, earlier pending events first: a subject's order is kept.
        subjects = OutboxEvent.objects.filter(pk__in=list(ids)).values("subject")
        pending = pending.filter(subject__in=subjects)
    candidates = list(pending.order_by("id").values_list("id", "subject", "type", "trace_context")[:limit])
    blocked: set[str] = set()
    done = 0
    for event_id, subject, kind, trace_context in candidates:
        if subject in blocked:
            continue
        outcome = _relay_one(event_id, kind, trace_context)
        if outcome == "done":
            done += 1
        elif outcome in ("failed", "waiting"):
            blocked.add(subject)  # keep the subject's order: its later events wait
    return done


def _relay_one(event_id: int, type: str = "", trace_context: str = "") -> str:
    """Relay one event in a span of the trace that made it (when tracing is on)."""
    parent = propagate.extract({"traceparent": trace_context}) if trace_context else None
    with tracer.start_as_current_span(
        f"outbox.relay {type}", context=parent, attributes={"portal.outbox.event": event_id}
    ):
        return _relay_locked(event_id)


def _relay_locked(event_id: int) -> str:
    with transaction.atomic():
        rows = OutboxEvent.objects.filter(pk=event_id, done_at__isnull=True)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        event = rows.first()
        if event is None:
            return "taken"  # done meanwhile, or another relay has it
        if OutboxEvent.objects.filter(subject=event.subject, done_at__isnull=True, pk__lt=event.pk).exists():
            return "waiting"
        name = ""
        try:
            with transaction.atomic():
                for name, consumer in consumers().items():  # noqa: B007 (the failing one is named below)
                    with tracer.start_as_current_span(f"outbox.consume {name}"):
                        consumer(event)
        except Exception as error:  # a consumer's failure stays with the event; the save is long done
            event.attempts += 1
            event.next_attempt_at = timezone.now() + backoff(event.attempts)
            event.last_error = f"{name}: {type(error).__name__}: {error}"[:2000]
            event.save(update_fields=["attempts", "next_attempt_at", "last_error"])
            logger.warning(
                "outbox event %s (%s %s) failed in %s (attempt %d): %s",
                event.pk,
                event.type,
                event.subject,
                name,
                event.attempts,
                error,
                exc_info=error,
            )
            return "failed"
        event.attempts += 1
        event.done_at = timezone.now()
        event.last_error = ""
        event.keys = sorted(set(event.keys))
        event.save(update_fields=["attempts", "done_at", "last_error", "keys"])
        return "done"


def relay_all(*, seconds: float = 20.0) -> int:
    """Relay until nothing is due or `seconds` have passed (the beat sweep)."""
    started = time.monotonic()
    total = 0
    while time.monotonic() - started < seconds:
        done = relay()
        total += done
        if not done:
            break
    return total


def prune(*, now=None) -> int:
    """Forget events done more than OUTBOX_KEEP_DAYS ago; pending ones are kept whatever their age."""
    now = now or timezone.now()
    deleted, _ = OutboxEvent.objects.filter(done_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)).delete()
    return deleted


def retry_now(*, event_ids: Iterable[int]) -> int:
    """Make failing events due at once (the admin's action)."""
    return OutboxEvent.objects.filter(pk__in=list(event_ids), done_at__isnull=True).update(next_attempt_at=None)


def lag_seconds() -> float:
    """How long the oldest pending event has waited (0 when none is)."""
    pending = OutboxEvent.objects.filter(done_at__isnull=True).order_by("id")
    oldest = pending.values_list("created_at", flat=True).first()
    return max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
