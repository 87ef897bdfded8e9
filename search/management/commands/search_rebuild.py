"""`manage.py search_rebuild`: index every article again (after an upgrade or a bulk import)."""

import sys
import time

from django.core.management.base import BaseCommand

from ...selectors import index_size
from ...services import rebuild


class Command(BaseCommand):
    help = "Index every article again, in batches; searching keeps working meanwhile."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="articles per transaction (default 500)")

    def handle(self, *args, batch: int, **options):
        started = time.monotonic()
        interactive = self.stdout.isatty() if hasattr(self.stdout, "isatty") else sys.stdout.isatty()

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // max(total, 1)
            line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} articles"
            if interactive:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            elif done == total or done % (batch * 20) == 0:
                self.stdout.write(line)

        done = rebuild(batch=max(1, batch), progress=progress)
        if interactive:
            self.stdout.write("")
        seconds, megabytes = time.monotonic() - started, index_size() / 1e6
        self.stdout.write(
            self.style.SUCCESS(f"Indexed {done} articles in {seconds:.1f} s; the index takes {megabytes:.1f} MB.")
        )
