"""Celery entry points for media; each calls a service."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def renditions_generate_task(image_id: int) -> int:
    """Make an image's renditions; harmless to run twice."""
    return services.renditions_generate(image_id=image_id)


@shared_task
def images_sweep_expired_task() -> int:
    return services.images_sweep_expired()


@shared_task
def renditions_sweep_missing_task() -> int:
    """Every few minutes (beat): photos whose rendition message was lost get it again."""
    return services.renditions_sweep_missing()
