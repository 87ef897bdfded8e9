"""App config for articles."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self) -> None:
        from core import api_cache
        from media import photographers, uses

        from . import documents, selectors
        from .photographers import AuthorPhotographers

        uses.register(selectors.image_uses)
        uses.register_public(selectors.images_in_public_use)
        photographers.register(AuthorPhotographers())  # which author took a photo is kept here
        # Scheduled articles go public at their second without an edit: answers must not outlive that.
        api_cache.register_horizon(documents.next_scheduled_at)
