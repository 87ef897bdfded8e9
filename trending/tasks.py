"""Celery entry points for the trending rail; each calls a service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, time_limit=60, soft_time_limit=45)
def trending_refresh_task() -> dict:
    """Rebuild the rail snapshots (every 15 s by beat; a lock keeps two from overlapping)."""
    return services.trending_refresh()


@shared_task(ignore_result=True)
def view_counts_flush_task() -> int:
    return services.view_counts_flush()


@shared_task(ignore_result=True)
def trending_maintain_task() -> int:
    return services.store_maintain()


@shared_task(ignore_result=True)
def eligibility_update_task(article_id: int) -> None:
    services.eligibility_update(article_id=article_id)
