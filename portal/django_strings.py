"""Strings of Django's own admin templates that its Simplified Chinese catalogue leaves
untranslated (screen readers read them aloud). Named here so `make messages` keeps them in ours,
which Django reads first."""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
