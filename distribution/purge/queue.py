"""The CDN purge queue: every change's keys, queued in its own transaction (a save never waits
for a CDN), sent by a worker after `settle_seconds()`, each key once however many changes named it
meanwhile, in the backend's batches, retried with back-off until the CDN takes them. The backend
is chosen by `PURGE_BACKEND`."""

import logging
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from core import metrics
from core.announce import enqueue_after_commit
from core.locks import held

from ..models import PendingPurge
from .backends.base import PurgeBackend, PurgeFailed

logger = logging.getLogger(__name__)

# Backends were named under core.purge before the queue moved here; such a setting still works.
_MOVED = "core.purge."


@lru_cache(maxsize=4)
def _backend(path: str) -> PurgeBackend:
    if path.startswith(_MOVED):
        path = "distribution.purge." + path.removeprefix(_MOVED)
    return import_string(path)()


def backend() -> PurgeBackend:
    return _backend(settings.PURGE_BACKEND)


def settle_seconds() -> float:
    """How long a change's keys wait before they are sent: the batching window. A CDN whose
    fetches do not say so (`CDN-Loop`, which core.api_cache answers from the shared cache) could
    get the old answer from a web process's own memory, for up to API_LOCAL_CACHE_SECONDS after
    the change, and keep it: for those the keys wait that long too, with a margin."""
    if backend().marks_fetches:
        return settings.PURGE_WINDOW_SECONDS
    return max(settings.PURGE_WINDOW_SECONDS, settings.API_LOCAL_CACHE_SECONDS + 0.1)


def purge_consumer(event) -> None:
    """Outbox consumer: every event's keys go to the CDN, through the queue (a save never waits
    for a CDN): keys are written in the event's transaction and a worker sends them after
    `settle_seconds()`, each key once however many changes named it meanwhile."""
    if not event.keys:
        return
    chosen = backend()
    items = chosen.expand(event)
    if not items:
        return
    if not chosen.queued:
        chosen.purge(items)
        return
    now = timezone.now()
    PendingPurge.objects.bulk_create(
        [PendingPurge(key=item, queued_at=now, next_attempt_at=now) for item in items],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["queued_at"],
    )
    from ..tasks import purge_flush_task

    enqueue_after_commit(purge_flush_task, countdown=settle_seconds(), otherwise="the sweep will send it")


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    """A CDN's own `Retry-After` (429, 503) is obeyed; otherwise the wait doubles up to
    PURGE_RETRY_MAX_SECONDS, short, so a purge lands within seconds of a CDN's recovery."""
    if retry_after is not None:
        return timedelta(seconds=min(max(retry_after, 1.0), 3600))
    return timedelta(seconds=min(2 ** (attempts - 1), settings.PURGE_RETRY_MAX_SECONDS))


def next_due_in() -> float:
    """Seconds until the next queued purge may be sent (its window passed, its retry due)."""
    now = timezone.now()
    window = timedelta(seconds=settle_seconds())
    row = PendingPurge.objects.order_by("next_attempt_at").values_list("queued_at", "next_attempt_at").first()
    if row is None:
        return float("inf")
    queued_at, next_attempt_at = row
    return max(0.0, (max(queued_at + window, next_attempt_at) - now).total_seconds())


def flush() -> int:
    """Send every due key, in the backend's batches; returns how many were purged. One flush at a
    time (a lock), so a key is never sent twice at once; a failed batch is retried with backoff."""
    chosen = backend()
    sent = 0
    with held("cdn-purge-flush") as mine:
        if not mine:
            return 0
        now = timezone.now()
        # A key queued again in the last moments waits for the flush its own change asked for.
        settled = now - timedelta(seconds=settle_seconds())
        due = PendingPurge.objects.filter(next_attempt_at__lte=now, queued_at__lte=settled)
        due = list(due.values_list("key", "queued_at", "attempts"))
        calls = chosen.calls_allowed()
        for start in range(0, len(due), chosen.batch_size):
            if calls is not None and calls <= 0:
                break  # rate-limited: the rest waits for the next flush
            batch = due[start : start + chosen.batch_size]
            try:
                chosen.purge([key for key, _, _ in batch])
            except PurgeFailed as error:
                for key, _queued, attempts in batch:
                    PendingPurge.objects.filter(key=key).update(
                        attempts=attempts + 1,
                        next_attempt_at=timezone.now() + _backoff(attempts + 1, error.retry_after),
                        last_error=str(error)[:500],
                    )
                logger.warning("CDN purge of %d keys failed: %s", len(batch), error)
                continue
            finally:
                if calls is not None:
                    calls -= 1
            for key, queued_at, _ in batch:
                # A key changed again while it was being sent stays for the next flush.
                PendingPurge.objects.filter(key=key, queued_at=queued_at).delete()
                if key.startswith("article-"):
                    metrics.visible_since("cdn", queued_at)
            sent += len(batch)
    return sent
