"""`manage.py search_rebuild`: index every article again (after an upgrade or a bulk import)."""

from django.core.management.base import BaseCommand, CommandError

from core.progress import Progress

from ...selectors import index_size
from ...services import rebuild


class Command(BaseCommand):
    help = "Index every article again, in batches; searching keeps working meanwhile."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="articles per transaction (default 500)")

    def handle(self, *args, batch: int, **options):
        if batch < 1:
            raise CommandError("--batch takes a whole number from 1.")
        progress = Progress(self.stdout, "articles")
        done = rebuild(batch=batch, progress=progress)
        seconds, megabytes = progress.finish(), index_size() / 1e6
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {done} articles in {seconds:.1f} s; the index takes {megabytes:.1f} MB.")
        )
