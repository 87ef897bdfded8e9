"""Celery entry points for articles; each calls a service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, time_limit=120)
def publish_due_task() -> list[int]:
    """Publish what is due (every minute by beat); harmless to run twice at once."""
    return services.publish_due()
