"""`manage.py revisions_prune`: thin out revisions past REVISION_KEEP_ALL_DAYS (beat runs it daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from ...retention import revisions_prune


class Command(BaseCommand):
    help = (
        "Keep every revision for REVISION_KEEP_ALL_DAYS days, then the last of each day, every "
        "published state and correction, and each article's latest revision."
    )

    def handle(self, *args, **options):
        result = revisions_prune()
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {result.deleted} revision(s) older than {settings.REVISION_KEEP_ALL_DAYS} days"
                f" from {result.articles} article(s)."
            )
        )
