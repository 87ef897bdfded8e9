"""The composition root: wires the change stream's consumers that belong to no single app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = gettext_lazy("Portal")

    def ready(self) -> None:
        from core import api_cache, metrics, outbox, purge, replicas

        from . import accounts

        accounts.connect_signals()  # a changed password revokes the account's API tokens

        # Derived rows written (documents, search, distribution keys), replicas catch up before
        # anything tells the world: webhooks, then our answer cache and the CDN.
        outbox.register("replicas", replicas.wait_consumer, order=outbox.FIRST + 25)
        # Every committed public change: our answer cache, then the CDN in front.
        outbox.register("api-cache", api_cache.invalidate_on_event, order=outbox.PURGE)
        outbox.register("cdn-purge", purge.purge_consumer, order=outbox.PURGE)

        # Read at each scrape of /metrics.
        from .celery import queue_lengths

        metrics.register_live("portal_celery_queue_length", "Tasks waiting in each Celery queue", queue_lengths)
        metrics.register_live(
            "portal_outbox_lag_seconds",
            "How long the oldest change not yet handed to every consumer has waited",
            lambda: [({}, outbox.lag_seconds())],
        )
