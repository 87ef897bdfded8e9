"""Strings of Django's own admin that its Simplified Chinese catalogue leaves untranslated (screen
readers read them aloud) or puts awkwardly ("增加 文章", "选择 文章 来修改": English word spacing
around a Chinese noun). Named here so `make messages` keeps them in ours, which Django reads first.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Add %s"),
    gettext_noop("Change %s"),
    gettext_noop("View %s"),
    gettext_noop("Select %s to change"),
    gettext_noop("Select %s to view"),
    gettext_noop("Add another %(verbose_name)s"),
    gettext_noop("Delete selected %(verbose_name_plural)s"),
    gettext_noop("Recent actions"),
    gettext_noop("My actions"),
    gettext_noop("None available"),
)
