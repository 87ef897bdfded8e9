"""`manage.py documents_rebuild [--all | --article ID ...]`: render stored public documents now."""

import sys

from django.core.management.base import BaseCommand, CommandError

from core import api_cache

from ... import documents


class Command(BaseCommand):
    help = "Render the stored documents of public and scheduled articles (after an upgrade or a bulk import)."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every public and scheduled article")
        which.add_argument("--article", type=int, action="append", metavar="ID", help="one article (repeatable)")

    def handle(self, *args, all: bool, article: list[int] | None, **options):
        if article and any(a < 1 for a in article):
            raise CommandError("Article ids are whole numbers from 1.")
        interactive = sys.stdout.isatty()

        def progress(done: int, total: int) -> None:
            if interactive and (done % 50 == 0 or done == total):
                filled = int(30 * done / total) if total else 30
                self.stdout.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", ending="")
                self.stdout.flush()

        count = documents.documents_rebuild(article_ids=None if all else article, progress=progress)
        if interactive:
            self.stdout.write("")
        api_cache.invalidate()
        self.stdout.write(self.style.SUCCESS(f"Rendered {count} documents."))
