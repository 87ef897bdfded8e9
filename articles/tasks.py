"""Celery entry points for articles; each calls a service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, time_limit=120)
def publish_due_task() -> list[int]:
    """Publish what is due (every minute by beat); harmless to run twice at once."""
    return services.publish_due()


@shared_task(ignore_result=True, time_limit=3600)
def revisions_prune_task() -> int:
    """Thin out old revisions (daily by beat): one a day past REVISION_KEEP_ALL_DAYS."""
    from .retention import revisions_prune

    return revisions_prune().deleted


@shared_task(ignore_result=True, time_limit=300)
def documents_refresh_task() -> int:
    """Render the due documents anew (every minute by beat, and after a change marks some)."""
    from .documents.refresh import documents_refresh

    return documents_refresh()
