from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = gettext_lazy("Distribution")

    def ready(self) -> None:
        from core import outbox

        from . import delivery, services, websub

        # After the documents consumer (which adds `list` when an article moves between lists),
        # before the purges that act on the keys.
        outbox.register("distribution-keys", services.keys_consumer, order=outbox.FIRST + 20)
        # After the documents consumer too: a payload carries the article as readers now see it.
        outbox.register("webhooks", delivery.webhooks_consumer, order=outbox.FIRST + 30)
        outbox.register("websub", websub.websub_consumer, order=outbox.FIRST + 30)
