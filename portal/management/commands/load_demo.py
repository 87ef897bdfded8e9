"""`manage.py load_demo [--articles N] [--force]`: demo content and accounts, once.

Demo accounts have passwords anyone can read in this repository: with DEBUG off (a production
site) the command refuses unless `--i-know-this-is-production` says the site is a test bed. An
account that already exists is never touched: no password reset, no role added."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles import documents
from articles.models import Article
from core import api_cache
from core.progress import Progress
from search import services as search_services

from ... import demo


class Command(BaseCommand):
    help = "Load demo sections, outlets, authors, tags, articles and one account per role (once)."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=64, help="how many articles to make (default 64)")
        parser.add_argument("--force", action="store_true", help="add articles even if some exist")
        parser.add_argument(
            "--i-know-this-is-production",
            action="store_true",
            dest="consent",
            help="load demo accounts with known passwords although DEBUG is off (test beds, benchmarks)",
        )

    def handle(self, *args, articles: int, force: bool, consent: bool, **options):
        if not settings.DEBUG and not consent:
            raise CommandError(
                "DEBUG is off: this looks like a production site, and the demo accounts have published "
                "passwords. Nothing was loaded. Pass --i-know-this-is-production on a test bed."
            )
        accounts = demo.demo_accounts()
        if Article.objects.exists() and not force:
            self.stdout.write("Demo content is already there (use --force to add more).")
        else:
            progress = Progress(self.stdout, "articles made")
            made = demo.load(articles=articles, progress=progress)
            progress.finish()
            made += demo.demo_workflow()
            # Bulk-made articles skip the change stream: their documents and search entries now.
            progress = Progress(self.stdout, "documents rendered")
            rendered = documents.documents_rebuild(progress=progress)
            progress.finish()
            progress = Progress(self.stdout, "articles indexed")
            indexed = search_services.rebuild(progress=progress)
            progress.finish()
            api_cache.invalidate()
            self.stdout.write(
                self.style.SUCCESS(f"Loaded {made} demo articles ({rendered} documents rendered, {indexed} indexed).")
            )
            counted = demo.demo_readers()
            self.stdout.write(f"Counted {counted} demo page views and built the trending rails.")
        self.stdout.write("Demo accounts (username / password / role):")
        for username, password, role in accounts:
            shown = password if password is not None else "(existed: unchanged)"
            self.stdout.write(f"  {username:<8} {shown:<20} {role}")
