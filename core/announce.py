"""Announcing a committed change without letting a listener's failure reach the caller."""

import logging
from collections.abc import Callable

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


def after_commit(signal: Signal, sender: object, **kwargs) -> None:
    """Send `signal` once the transaction commits; every receiver runs, failures are logged.

    The change is saved by then: a cache or store that is down must never turn a saved
    edit into an error for the editor (who would retry and meet 409 or 412).
    """

    def send() -> None:
        for receiver, result in signal.send_robust(sender, **kwargs):
            if isinstance(result, Exception):
                logger.error(
                    "receiver %s of a committed change failed: %s",
                    getattr(receiver, "__qualname__", receiver),
                    result,
                    exc_info=result,
                )

    transaction.on_commit(send, robust=True)


def run_after_commit(function: Callable[[], object]) -> None:
    """`function` once the transaction commits; an error is logged, never raised to the caller."""
    transaction.on_commit(function, robust=True)
