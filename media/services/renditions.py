"""Renditions: made by the photo workers (never on a reader's request), looked up, asked for."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from prometheus_client import Histogram

from core import announce

from .. import imaging, selectors
from ..models import Image, Rendition
from .changes import record_image
from .files import store_file

logger = logging.getLogger(__name__)


RENDITION = Histogram(
    "portal_rendition_seconds",
    "Time to make one rendition (its share of the resize and its encoding), by spec and format",
    ["spec", "format"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def enqueue_renditions(image_id: int, *, now: bool = False) -> None:
    """After commit (or `now`, from a read or a sweep): the broker being down must not fail an upload."""
    from ..tasks import renditions_generate_task

    queue = announce.enqueue if now else announce.enqueue_after_commit
    queue(renditions_generate_task, image_id, otherwise="the sweep makes them later")


def renditions_generate(*, image_id: int) -> int:
    """Make every missing rendition of an image in one decode; returns how many were made.

    Idempotent: existing renditions are kept, and the unique key makes a
    concurrent run's duplicate a no-op.
    """
    image = Image.objects.filter(pk=image_id).first()
    if image is None or not image.is_usable_at(timezone.now()):
        return 0
    kinds = selectors.formats()
    have = set(Rendition.objects.filter(image=image).values_list("name", "format"))
    missing = [spec for spec in selectors.specs() if any((spec.name, kind) not in have for kind in kinds)]
    made = 0
    if missing:
        with default_storage.open(image.file, "rb") as source:
            data = source.read()
        outputs = imaging.render(
            data,
            missing,
            kinds,
            focal=(image.focal_x, image.focal_y),
            copyright_notice=image.copyright,
            encode_options=settings.MEDIA_ENCODE_OPTIONS,
        )
        for output in outputs:
            RENDITION.labels(output.spec.name, output.format).observe(output.seconds)
            if (output.spec.name, output.format) in have:
                continue
            made += _save_rendition(image, output)
    with transaction.atomic():
        if Image.objects.filter(pk=image.pk, renditions_ready=False).update(renditions_ready=True):
            record_image(image.pk, "renditions_ready")  # answers now point at the files themselves
    return made


def _save_rendition(image: Image, output: imaging.Output) -> int:
    name = selectors.rendition_path(image, output.spec, output.format)
    store_file(name, output.data)
    _, created = Rendition.objects.get_or_create(
        image=image,
        name=output.spec.name,
        format=output.format,
        defaults={"width": output.width, "height": output.height, "file": name, "bytes": len(output.data)},
    )
    return int(created)


def rendition_lookup(*, image_id: int, name: str, kind: str) -> tuple[Image | None, Rendition | None]:
    """The photo and its rendition `name`.`kind` if made; (None, None) for an unknown photo, spec
    or format, or a photo whose rights have expired. Nothing is made here: see `renditions_request`."""
    if selectors.spec_named(name) is None or kind not in selectors.formats():
        return None, None
    image = Image.objects.filter(pk=image_id).first()
    if image is None or not image.is_usable_at(timezone.now()):
        return None, None
    return image, Rendition.objects.filter(image=image, name=name, format=kind).first()


def renditions_request(image_id: int) -> None:
    """Ask the photo workers for a photo's missing renditions, once in a while however many
    readers ask (a web process never decodes a photo)."""
    from django.core.cache import cache

    try:
        first = cache.add(f"renditions-requested:{image_id}", 1, timeout=RENDITION_REQUEST_SECONDS)
    except Exception:  # the cache being down: ask anyway (the task is idempotent)
        first = True
    if first:
        enqueue_renditions(image_id, now=True)


# A reader asking for a missing rendition enqueues its photo's work at most this often.

# A reader asking for a missing rendition enqueues its photo's work at most this often.
RENDITION_REQUEST_SECONDS = 30


def renditions_sweep_missing(*, now: datetime | None = None, limit: int = 200) -> int:
    """Enqueue rendition work for usable photos still without their renditions.

    Catches what a lost message left behind (a broker down at upload, a worker killed
    mid-task): renditions are made once whatever runs twice. Photos younger than a minute
    are left to the task their upload enqueued.
    """
    now = now or timezone.now()
    waiting = list(
        Image.objects.filter(renditions_ready=False, uploaded_at__lte=now - timedelta(minutes=1))
        .filter(Q(rights_expire_at__isnull=True) | Q(rights_expire_at__gt=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for image_id in waiting:
        enqueue_renditions(image_id, now=True)
    if waiting:
        logger.info("re-enqueued renditions for %d photo(s) still without them", len(waiting))
    return len(waiting)
