"""App config for trending."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrendingConfig(AppConfig):
    name = "trending"
    verbose_name = _("Trending")

    def ready(self) -> None:
        from core import metrics

        from . import selectors

        metrics.register_live(
            "portal_rail_age_seconds", "Seconds since each rail was last rebuilt", selectors.rail_ages
        )
