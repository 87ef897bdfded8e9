"""`manage.py revisions_baseline`: a first revision for every article without one (older data, imports)."""

from django.core.management.base import BaseCommand

from ... import services
from ...models import Article


class Command(BaseCommand):
    help = "Keep a first revision of every article that has none yet, so later diffs have something to compare with."

    def handle(self, *args, **options):
        ids = list(Article.objects.filter(revisions__isnull=True).values_list("pk", flat=True))
        made = services.revision_baseline(article_ids=ids, by=None)
        self.stdout.write(self.style.SUCCESS(f"Kept a first revision of {made} article(s)."))
