"""The composition root: wires the change stream's consumers that belong to no single app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = gettext_lazy("Portal")

    def ready(self) -> None:
        from core import metrics, outbox

        from . import accounts, consumers

        accounts.connect_signals()  # a changed password revokes the account's API tokens
        consumers.declare()

        # Read at each scrape of /metrics.
        from .celery import queue_lengths

        metrics.register_live("portal_celery_queue_length", "Tasks waiting in each Celery queue", queue_lengths)
        metrics.register_live(
            "portal_outbox_lag_seconds",
            "How long the oldest change not yet handed to every consumer has waited",
            lambda: [({}, outbox.lag_seconds())],
        )
        health = outbox.consumer_health
        metrics.register_live(
            "portal_outbox_consumer_lag_seconds",
            "How long the oldest event a consumer still owes (quarantined aside) has waited, by consumer",
            lambda: [({"consumer": name}, lag) for name, (lag, _) in health().items()],
        )
        metrics.register_live(
            "portal_outbox_quarantined",
            "Events a consumer gave up on after its retries, waiting for a person's retry, by consumer",
            lambda: [({"consumer": name}, count) for name, (_, count) in health().items()],
        )
