"""Work after a commit that must never turn a saved change into an error for the caller."""

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


def run_after_commit(function: Callable[[], object]) -> None:
    """`function` once the transaction commits; an error is logged, never raised to the caller."""
    transaction.on_commit(function, robust=True)


def enqueue(task, *args, countdown: float | None = None, copies: int = 1, otherwise: str) -> None:
    """Queue the Celery `task` with `args` now (`copies` times, so that several workers take a
    share); with the broker down nothing fails: `otherwise` (what picks the work up instead, e.g.
    "the beat sweep sends them") is logged."""
    try:
        for _ in range(copies):
            task.apply_async(args=args, countdown=countdown)
    except Exception:
        logger.warning("could not queue %s; %s", task.name, otherwise, exc_info=True)


def enqueue_after_commit(task, *args, countdown: float | None = None, copies: int = 1, otherwise: str) -> None:
    """`enqueue` once the transaction commits (the task must see what it saved): the one way a
    change asks the workers for work."""
    transaction.on_commit(
        lambda: enqueue(task, *args, countdown=countdown, copies=copies, otherwise=otherwise), robust=True
    )
