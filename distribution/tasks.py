"""Celery entry points of distribution: webhook deliveries, WebSub pings, CDN purges."""

from celery import shared_task

from . import delivery


@shared_task(ignore_result=True, time_limit=120, soft_time_limit=100)
def webhooks_deliver_task() -> int:
    """Send what is due: queued after each event, and by beat every 5 s (retries, leases run out)."""
    return delivery.deliver_due(seconds=50)


@shared_task(ignore_result=True, time_limit=120, soft_time_limit=100)
def websub_ping_task(urls: list[str]) -> int:
    """Tell the WebSub hub which feeds changed (queued after a public article change)."""
    from . import websub

    return websub.ping(urls)


@shared_task(ignore_result=True, time_limit=120, soft_time_limit=100)
def purge_flush_task() -> int:
    """Send queued CDN purges: after each change's short window, and by beat every 10 s (retries)."""
    from .purge import queue

    return queue.flush()
