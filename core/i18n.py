"""Language helpers: text the project stores is written in the site's language, whoever asked."""

from django.conf import settings
from django.utils import translation


def site_language():
    """A context in which `gettext` answers in the site's `LANGUAGE_CODE`.

    For text kept in the database and read later by anyone (a revision's note): an API client
    asking in English must not leave an English note in a Chinese newsroom's history.
    """
    return translation.override(settings.LANGUAGE_CODE)
