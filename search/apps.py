"""App config for search."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from core import search as registry

        from . import selectors

        registry.register(selectors.Matcher())
