"""App config for trending."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrendingConfig(AppConfig):
    name = "trending"
    verbose_name = _("Trending")

    def ready(self) -> None:
        from core import outbox

        from . import services

        # Only published articles count: the store hears of every publication at once.
        outbox.register("trending-eligibility", services.eligibility_consumer)
