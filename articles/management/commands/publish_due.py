"""`manage.py publish_due`: publish every scheduled article whose time has come."""

from django.core.management.base import BaseCommand

from ... import services


class Command(BaseCommand):
    help = "Flip scheduled articles whose time has passed to published and run their on-publish effects once."

    def handle(self, *args, **options):
        published = services.publish_due()
        self.stdout.write(self.style.SUCCESS(f"Published {len(published)} scheduled article(s)."))
