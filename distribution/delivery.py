"""Webhook deliveries: made from the change stream, sent by workers, retried, replayed.

The outbox consumer writes one `Delivery` per subscribed endpoint in the event's own relay
transaction (at most once per endpoint and event), and asks a worker to send once that commits.
`deliver_due` takes due deliveries with a lease, posts them from a pool of threads (one slow
receiver holds one thread, never the others) and writes each result as it comes. A worker killed
mid-attempt leaves the lease to run out; the beat sweep then sends it again, with the same
`webhook-id`.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import announce, metrics
from core.i18n import site_language
from core.models import OutboxEvent

from . import outbound, selectors, webhooks
from .models import EVENT_TYPES, Attempt, Delivery, Endpoint

logger = logging.getLogger(__name__)


def attempts_allowed() -> int:
    """The first attempt and one retry per wait of WEBHOOK_RETRY_SECONDS (5 s, 5 min, 30 min, 2 h,
    5 h, 10 h, 24 h by default, each jittered by up to a fifth either way)."""
    return len(settings.WEBHOOK_RETRY_SECONDS) + 1


def _message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def payload(event: OutboxEvent, now: datetime) -> dict:
    """`{type, timestamp, data: {id, url, title, ...}}`; the public document too by setting."""
    data = dict(event.data)
    kind = event.type.partition(".")[0]
    if kind == "article":
        article_id = int(data["id"])
        found = {}
        if event.type not in ("article.deleted", "article.unpublished"):  # else readers may not see it
            from articles.documents import detail_read

            read = detail_read(article_id=article_id)
            found = orjson.loads(read[0]) if read else {}
        slug = found.get("slug") or data.get("slug", "")
        data.update(
            {
                "id": article_id,
                "url": selectors.article_url(article_id, slug) if slug else "",
                "title": found.get("title") or data.get("title", ""),
                "slug": slug,
            }
        )
        if found:
            data["published_at"] = found.get("published_at")
            data["updated_at"] = found.get("updated_at")
            if settings.WEBHOOK_FULL_DOCUMENT:
                data["document"] = found
    return {"type": event.type, "timestamp": now.isoformat(), "data": data}


def webhooks_consumer(event: OutboxEvent) -> None:
    """Outbox consumer: one delivery per active endpoint subscribed to the event's type."""
    if event.type not in EVENT_TYPES:
        return
    endpoints = [e for e in Endpoint.objects.filter(active=True) if event.type in e.events]
    if not endpoints:
        return
    done = set(Delivery.objects.filter(event_id=event.pk).values_list("endpoint_id", flat=True))
    # An endpoint that already has a newer event of this subject (this one's relay was retried
    # late) gets this one recorded as superseded, never sent: it must not follow the newer one.
    ahead = set(
        Delivery.objects.filter(subject=event.subject, event_id__gt=event.pk).values_list("endpoint_id", flat=True)
    )
    now = timezone.now()
    body = orjson.dumps(payload(event, now))
    made = [
        Delivery(
            endpoint=e,
            event_id=event.pk,
            subject=event.subject,
            message_id=_message_id(),
            type=event.type,
            payload=body,
            status=Delivery.Status.SUPERSEDED if e.pk in ahead else Delivery.Status.PENDING,
            next_attempt_at=None if e.pk in ahead else now,
        )
        for e in endpoints
        if e.pk not in done
    ]
    # A relay retried after a crash makes none twice: once per endpoint and event.
    Delivery.objects.bulk_create(made, ignore_conflicts=True, batch_size=500)
    _kick(len(made))


def _kick(count: int = 1) -> None:
    """After commit, ask workers to send: one task per hundred deliveries (at most eight), so
    that every worker takes a share of a large fan-out."""
    from .tasks import webhooks_deliver_task

    copies = min(8, max(1, -(-count // 100)))
    announce.enqueue_after_commit(webhooks_deliver_task, copies=copies, otherwise="the sweep will send them")


def _lease_seconds() -> float:
    return settings.WEBHOOK_TIMEOUT_SECONDS * 2 + 20


def claim(limit: int, now: datetime | None = None) -> list[Delivery]:
    """Take up to `limit` due deliveries for this worker (their lease is ours until it runs out),
    keeping each endpoint's order per subject (see `_in_order`)."""
    now = now or timezone.now()
    until = now + timedelta(seconds=_lease_seconds())
    free = Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    with transaction.atomic():
        due = Delivery.objects.filter(free, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.select_related("endpoint").order_by("next_attempt_at", "id")[:limit])
        # Each row taken only if still free: SQLite has no row locks, and two workers may have
        # read the same rows; the conditional update lets one of them have each.
        taken = [d for d in rows if Delivery.objects.filter(free, pk=d.pk).update(leased_until=until)]
        return [d for d in sorted(taken, key=lambda d: d.event_id or 0) if _in_order(d, now)]


def _in_order(delivery: Delivery, now: datetime) -> bool:
    """Whether a taken delivery may go now. One whose endpoint has a newer delivery of the same
    subject is superseded: a receiver never gets `article.published` after `article.unpublished`
    of the same article. One with an older delivery of its subject on its way waits a moment."""
    if not delivery.subject:
        return True
    same = Delivery.objects.filter(endpoint_id=delivery.endpoint_id, subject=delivery.subject).exclude(pk=delivery.pk)
    if same.filter(event_id__gt=delivery.event_id).exclude(status=Delivery.Status.SUPERSEDED).exists():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SUPERSEDED, next_attempt_at=None, leased_until=None
        )
        return False
    # Locked: a worker taking the older one at this moment commits its lease before this reads it.
    older = same.filter(event_id__lt=delivery.event_id, status=Delivery.Status.PENDING, leased_until__gt=now)
    if list(older.select_for_update().values_list("pk", flat=True)):
        Delivery.objects.filter(pk=delivery.pk).update(leased_until=None, next_attempt_at=now + timedelta(seconds=1))
        return False
    return True


def _send(delivery: Delivery) -> tuple[outbound.Result, datetime]:
    started = timezone.now()
    body = bytes(delivery.payload)
    sent = webhooks.headers(
        delivery.endpoint.secrets_in_use(started), delivery.message_id, int(started.timestamp()), body
    )
    return outbound.post(delivery.endpoint.url, body, sent), started


def _next_wait(attempts: int, result: outbound.Result) -> timedelta | None:
    """How long until the next attempt, or None when that was the last."""
    if attempts >= attempts_allowed():
        return None
    if result.retry_after is not None:
        return timedelta(seconds=min(max(result.retry_after, 1.0), 24 * 3600))
    wait_for = settings.WEBHOOK_RETRY_SECONDS[attempts - 1]
    return timedelta(seconds=wait_for * random.uniform(0.8, 1.2))


def record(delivery: Delivery, result: outbound.Result, started: datetime) -> None:
    """Write one attempt and what follows from it: done, the next try, or the endpoint flagged."""
    now = timezone.now()
    with transaction.atomic():
        current = Delivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        current.attempts += 1
        current.last_response_code = result.code
        current.leased_until = None
        endpoint = current.endpoint
        wait_for = None
        if result.ok:
            current.status = Delivery.Status.SUCCEEDED
            if current.type == metrics.PUBLISHED:
                metrics.visible_since("webhook", current.created_at, now.timestamp())
            current.next_attempt_at = None
            if endpoint.failing_since:
                Endpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif result.code == 410:
            current.status = Delivery.Status.FAILED
            current.next_attempt_at = None
            Endpoint.objects.filter(pk=endpoint.pk).update(
                active=False, failing_since=now, disabled_reason=_gone_reason()
            )
        elif current.subject and (
            Delivery.objects.filter(endpoint=endpoint, subject=current.subject, event_id__gt=current.event_id)
            .exclude(status=Delivery.Status.SUPERSEDED)
            .exists()
        ):
            # A newer event of its subject is waiting for this endpoint: that one goes instead.
            current.status = Delivery.Status.SUPERSEDED
            current.next_attempt_at = None
        else:
            wait_for = _next_wait(current.attempts, result)
            if wait_for is None:
                current.status = Delivery.Status.FAILED
                current.next_attempt_at = None
                Endpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(failing_since=now)
            else:
                current.next_attempt_at = now + wait_for
        current.save(update_fields=["attempts", "last_response_code", "leased_until", "status", "next_attempt_at"])
        Attempt.objects.create(
            delivery=current,
            number=Attempt.objects.filter(delivery=current).count() + 1,
            started_at=started,
            response_code=result.code,
            latency_ms=result.latency_ms,
            error=result.error[:500],
            next_attempt_at=current.next_attempt_at,
        )


def deliver_due(*, seconds: float = 50, threads: int | None = None) -> int:
    """Send due deliveries for up to `seconds`, `threads` at a time; returns how many were sent.

    Threads only post (no database); this thread claims and records, each result as it comes,
    and tops the pool up as threads free, so a receiver taking its full timeout holds one thread.
    """
    threads = threads or settings.WEBHOOK_THREADS
    deadline = time.monotonic() + seconds
    sent = 0
    running: dict[Future, Delivery] = {}
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook") as pool:
        while True:
            free = threads - len(running)
            if free > 0 and time.monotonic() < deadline:
                for delivery in claim(free):
                    running[pool.submit(_send, delivery)] = delivery
            if not running:
                break
            finished, _ = wait(list(running), timeout=1.0, return_when=FIRST_COMPLETED)
            for future in finished:
                delivery = running.pop(future)
                try:
                    result, started = future.result()
                    record(delivery, result, started)
                    sent += 1
                except Exception:  # recorded nowhere: the lease runs out and the sweep retries it
                    logger.exception("webhook delivery %s could not be recorded", delivery.pk)
    return sent


def _gone_reason() -> str:
    with site_language():  # kept on the endpoint for every editor to read
        return _("The receiver answered 410 Gone.")


def replay(delivery: Delivery) -> Delivery:
    """Send again now, with the same `webhook-id` and body; a full round of retries follows."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), leased_until=None
    )
    _kick()
    delivery.refresh_from_db()
    return delivery


def replay_since(endpoint: Endpoint, since: datetime) -> int:
    """Everything the endpoint subscribes to since `since`: its deliveries sent again, and events
    it missed (it was inactive, or added later) delivered for the first time, while the change
    stream still keeps them (`OUTBOX_KEEP_DAYS`)."""
    now = timezone.now()
    count = Delivery.objects.filter(endpoint=endpoint, created_at__gte=since).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, leased_until=None
    )
    had = set(Delivery.objects.filter(endpoint=endpoint).values_list("event_id", flat=True))
    missed = OutboxEvent.objects.filter(created_at__gte=since, type__in=endpoint.events).exclude(pk__in=had)
    made = [
        Delivery(
            endpoint=endpoint,
            event_id=event.pk,
            subject=event.subject,
            message_id=_message_id(),
            type=event.type,
            payload=orjson.dumps(payload(event, now)),
            next_attempt_at=now,
        )
        for event in missed.order_by("id")
    ]
    Delivery.objects.bulk_create(made, ignore_conflicts=True)
    _kick(count + len(made))
    return count + len(made)
