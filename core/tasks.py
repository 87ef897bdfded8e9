"""Celery entry points of the floor: the outbox sweep and its pruning."""

from celery import shared_task

from . import outbox


@shared_task(ignore_result=True, acks_late=True, time_limit=60, soft_time_limit=45)
def outbox_relay_task() -> int:
    """Relay events the on-commit relay left (a crash, a failing consumer's retry); beat, every 10 s."""
    return outbox.relay_all(seconds=30)


@shared_task(ignore_result=True)
def outbox_prune_task() -> int:
    return outbox.prune()
