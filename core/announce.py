"""Work after a commit that must never turn a saved change into an error for the caller."""

from collections.abc import Callable

from django.db import transaction


def run_after_commit(function: Callable[[], object]) -> None:
    """`function` once the transaction commits; an error is logged, never raised to the caller."""
    transaction.on_commit(function, robust=True)
