"""App config for media."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = _("Media")

    def ready(self) -> None:
        from core import api_cache

        from . import selectors

        # Public answers must not outlive a photo's rights.
        api_cache.register_horizon(selectors.next_rights_expiry)
