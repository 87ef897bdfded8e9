"""App config for trending."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrendingConfig(AppConfig):
    name = "trending"
    verbose_name = _("Trending")

    def ready(self) -> None:
        from articles import signals

        from . import receivers

        # Only published articles count: the store's eligible set follows every change.
        for signal in (signals.article_published, signals.article_unpublished, signals.article_changed):
            signal.connect(receivers.article_state_changed, dispatch_uid=f"trending-eligibility-{id(signal)}")
