"""Celery entry points of the composition root."""

from celery import shared_task

from . import accounts


@shared_task(ignore_result=True)
def tokens_prune_task() -> int:
    """Delete API tokens that expired (hourly by beat); knox only drops one its owner presents."""
    return accounts.tokens_prune()
