from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = gettext_lazy("Distribution")

    def ready(self) -> None:
        from core import outbox

        from .purge import queue

        # The relay loop sends queued CDN purges beside the change stream's events.
        outbox.register_queue("cdn-purge", queue.flush, queue.next_due_in)
