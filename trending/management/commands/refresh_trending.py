"""`manage.py refresh_trending`: rebuild the rail snapshots now (also flushes view counts)."""

from django.core.management.base import BaseCommand

from ... import services


class Command(BaseCommand):
    help = "Rebuild every trending rail snapshot from the store, and flush counted views to articles."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync", action="store_true", help="first forget remembered articles that are no longer public"
        )

    def handle(self, *args, sync: bool, **options):
        if sync:
            services.eligibility_sync(force=True)
        result = services.trending_refresh()
        flushed = services.view_counts_flush()
        if result.get("skipped"):
            self.stdout.write("Another refresh is running; skipped.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Refreshed {result['rails']} rails from {result['tracked']} tracked articles; "
                    f"flushed {flushed} views."
                )
            )
