"""App config for trending."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrendingConfig(AppConfig):
    name = "trending"
    verbose_name = _("Trending")

    def ready(self) -> None:
        from core import api_cache, metrics

        from . import selectors

        metrics.register_live(
            "portal_rail_age_seconds", "Seconds since each rail was last rebuilt", selectors.rail_ages
        )
        # A pulled article leaving the rail reaches every process's second of rail memory at once.
        api_cache.on_purge(selectors.forget_rails)
