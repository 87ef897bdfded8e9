"""App config for trending."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrendingConfig(AppConfig):
    name = "trending"
    verbose_name = _("Trending")
