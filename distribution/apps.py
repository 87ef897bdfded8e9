from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "distribution"
    verbose_name = "分发"

    def ready(self) -> None:
        from core import outbox

        from . import services

        # After the documents consumer (which adds `list` when an article moves between lists),
        # before the purges that act on the keys.
        outbox.register("distribution-keys", services.keys_consumer, order=outbox.FIRST + 20)
