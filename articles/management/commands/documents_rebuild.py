"""`manage.py documents_rebuild [--all | --article ID ...]`: render stored public documents now.

Several processes on PostgreSQL, progress as it goes; Ctrl-C (or SIGTERM) stops it after the
batches under way and prints the command that resumes it."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from core import api_cache
from core.progress import Progress

from ... import documents


def _moment(value: str) -> datetime:
    moment = parse_datetime(value)
    if moment is None or moment.tzinfo is None:
        raise CommandError(f"--rendered-before takes a time with its offset (2026-12-07T12:40:00+00:00): {value!r}")
    return moment


class Command(BaseCommand):
    help = "Render the stored documents of public and scheduled articles (after an upgrade or a bulk import)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--all", action="store_true", help="every public and scheduled article")
        which.add_argument("--article", type=int, action="append", metavar="ID", help="one article (repeatable)")
        parser.add_argument(
            "--rendered-before",
            metavar="TIME",
            help="only documents missing or rendered before this time (resumes a run that started then)",
        )
        parser.add_argument(
            "--processes", type=int, help="processes rendering at once (default: one per CPU; 1 on SQLite)"
        )
        parser.add_argument("--batch", type=int, default=documents.rebuild.BATCH, help="articles per batch")

    def handle(self, *args, all: bool, article: list[int] | None, **options):
        if article and any(a < 1 for a in article):
            raise CommandError("Article ids are whole numbers from 1.")
        if options["processes"] is not None and options["processes"] < 1:
            raise CommandError("--processes takes a whole number from 1.")
        if options["batch"] < 1:
            raise CommandError("--batch takes a whole number from 1.")
        before = _moment(options["rendered_before"]) if options["rendered_before"] else None
        progress = Progress(self.stdout, "documents")
        try:
            count = documents.documents_rebuild(
                article_ids=None if all else article,
                rendered_before=before,
                processes=options["processes"],
                batch=options["batch"],
                progress=progress,
            )
        except documents.Interrupted as stopped:
            progress.finish()
            api_cache.invalidate()
            which = "--all" if all else " ".join(f"--article {a}" for a in article or [])
            resume = (before or stopped.started).isoformat()
            self.stdout.write(
                self.style.WARNING(
                    f"Stopped after {stopped.done} documents. To go on where it stopped:\n"
                    f"  manage.py documents_rebuild {which} --rendered-before {resume}"
                )
            )
            raise SystemExit(130) from None
        seconds = progress.finish()
        api_cache.invalidate()
        rate = f" ({count / seconds:,.0f}/s)" if seconds > 0 and count else ""
        self.stdout.write(self.style.SUCCESS(f"Rendered {count} documents in {seconds:.1f} s{rate}."))
