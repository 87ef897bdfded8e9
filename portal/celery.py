"""The Celery application `portal` (`celery -A portal worker`)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def _process_started(**kwargs) -> None:
    # Each prefork child sets tracing up for itself: the parent's exporter thread is not its own.
    from portal import tracing

    tracing.init("portal-worker")


@signals.worker_process_shutdown.connect
def _process_gone(pid=None, **kwargs) -> None:
    from core import metrics

    metrics.process_died(pid or os.getpid())


def queue_lengths() -> list[tuple[dict[str, str], float]]:
    """Messages waiting in each queue of CELERY_TASK_QUEUES (a metric read at each scrape)."""
    from django.conf import settings
    from kombu.exceptions import ChannelError

    lengths = []
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        for queue in settings.CELERY_TASK_QUEUES:
            try:
                _, waiting, _ = channel.queue_declare(queue=queue.name, passive=True)
            except ChannelError:
                waiting = 0  # never used yet
            lengths.append(({"queue": queue.name}, float(waiting)))
    return lengths
