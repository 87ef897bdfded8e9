"""App config for trending."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrendingConfig(AppConfig):
    name = "trending"
    verbose_name = _("Trending")

    def ready(self) -> None:
        from core import metrics, outbox

        from . import selectors, services

        # Only published articles count: the store hears of every publication at once.
        outbox.register("trending-eligibility", services.eligibility_consumer)
        metrics.register_live(
            "portal_rail_age_seconds", "Seconds since each rail was last rebuilt", selectors.rail_ages
        )
