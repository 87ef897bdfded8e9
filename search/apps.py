"""App config for search."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from core import outbox
        from core import search as registry

        from . import selectors, services

        registry.register(selectors.Matcher())
        # Before the purges: the answers they drop are rebuilt from the new index.
        outbox.register("search-index", services.index_consumer, order=outbox.FIRST + 10)
