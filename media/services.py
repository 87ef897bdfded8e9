"""Every write to images: uploads, credits and rights, renditions, expiry."""

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from prometheus_client import Histogram

from core import announce, outbox, roles

from . import imaging, photographers, selectors, uses
from .models import Agency, Image, Rendition

logger = logging.getLogger(__name__)

RENDITION = Histogram(
    "portal_rendition_seconds",
    "Time to make one rendition (its share of the resize and its encoding), by spec and format",
    ["spec", "format"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


class ImageInUse(Exception):
    """The image is still used (answered 409 with its uses)."""

    def __init__(self, image: Image, found: list[uses.Use]) -> None:
        shown = uses.visible(found)
        names = _(", ").join([use.label for use in shown[:5]] + ([_("elsewhere")] if len(shown) < len(found) else []))
        super().__init__(
            ngettext(
                "This photo is used by %(count)d item (%(names)s); remove it from there first.",
                "This photo is used by %(count)d items (%(names)s); remove it from them first.",
                len(found),
            )
            % {"count": len(found), "names": names}
        )
        self.uses = found


class AgencyInUse(Exception):
    """An agency still credited on images (answered 409)."""


EDITABLE = (
    "alt",
    "caption",
    "focal_x",
    "focal_y",
    "creator",
    "agency",
    "credit_line",
    "copyright",
    "license",
    "usage_terms",
    "rights_expire_at",
    "source_url",
    "public",
)


def _ensure_can_upload(by) -> None:
    if not roles.is_staff_member(by):
        raise PermissionDenied(_("Only newsroom members can upload photos."))


def _store(name: str, data: bytes) -> bool:
    """Write `data` under exactly `name`; False if it was already there."""
    if default_storage.exists(name):
        return False
    saved = default_storage.save(name, ContentFile(data))
    if saved != name:  # another process wrote the same content a moment ago
        default_storage.delete(saved)
        return False
    return True


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete %s", name, exc_info=True)


def image_read_upload(upload) -> tuple[bytes, imaging.Probe]:
    """Read and check an uploaded file; refuses with ImageRejected (413, 415 or 400)."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.MEDIA_MAX_BYTES:
        raise imaging.ImageRejected(
            _("The file has %(size)d bytes; at most %(most)d are accepted.")
            % {"size": size, "most": settings.MEDIA_MAX_BYTES},
            status=413,
        )
    data = upload.read(settings.MEDIA_MAX_BYTES + 1)
    if len(data) > settings.MEDIA_MAX_BYTES:
        raise imaging.ImageRejected(
            _("The file is larger than %(most)d bytes.") % {"most": settings.MEDIA_MAX_BYTES}, status=413
        )
    return data, imaging.probe(data, max_pixels=settings.MEDIA_MAX_PIXELS)


def _validate(image: Image) -> None:
    if not (0 <= image.focal_x <= 1 and 0 <= image.focal_y <= 1):
        raise ValidationError({"focal_x": [_("The focal point is given as x and y from 0 to 1.")]})
    image.full_clean(exclude=["file", "sha256", "format", "width", "height", "bytes"])


def image_create(*, data: bytes, probe: imaging.Probe, by, **fields: Any) -> tuple[Image, bool]:
    """Store a checked upload. The same bytes twice give the same image: (image, created)."""
    _ensure_can_upload(by)
    photographer = fields.pop("creator_author", None)
    if fields.get("public") and not roles.is_photo_editor(by):
        raise PermissionDenied(_("Only photo editors and editors can make a photo public."))
    sha256 = hashlib.sha256(data).hexdigest()
    existing = Image.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing, False

    # The file's own IPTC/XMP/EXIF credits fill what the uploader left blank.
    for name in ("creator", "credit_line", "copyright", "caption", "usage_terms"):
        if not fields.get(name) and probe.metadata.get(name):
            fields[name] = probe.metadata[name][: Image._meta.get_field(name).max_length or 1000]
    if not fields.get("license"):
        # An agency's photo takes the agency's licence unless the uploader chose one.
        agency = fields.get("agency")
        fields["license"] = agency.default_license if agency is not None else Image.License.STAFF
    name = selectors.original_path(sha256, probe.format)
    image = Image(
        file=name,
        sha256=sha256,
        format=probe.format,
        width=probe.width,
        height=probe.height,
        bytes=len(data),
        uploaded_by=by,
        **{key: value for key, value in fields.items() if key in EDITABLE and value is not None},
    )
    _validate(image)
    wrote = _store(name, data)
    try:
        with transaction.atomic():
            image.save()
            if photographer is not None:
                photographers.link(image.pk, photographer)
            _enqueue_renditions(image.pk)
    except IntegrityError:
        # The same bytes were stored by a concurrent upload; the unique hash guards the race.
        existing = Image.objects.filter(sha256=sha256).first()
        if existing is None:
            if wrote:
                _delete_files([name])
            raise
        return existing, False
    except Exception:
        if wrote:
            _delete_files([name])
        raise
    return image, True


def _record_image(image_id: int, action: str) -> None:
    """Into the change stream, in this transaction: answers showing the photo must follow."""
    outbox.record(
        type=f"image.{action}", subject=f"image:{image_id}", keys=[f"image-{image_id}"], data={"id": image_id}
    )


def _enqueue_renditions(image_id: int, *, now: bool = False) -> None:
    """After commit (or `now`, from a read or a sweep): the broker being down must not fail an upload."""
    from .tasks import renditions_generate_task

    queue = announce.enqueue if now else announce.enqueue_after_commit
    queue(renditions_generate_task, image_id, otherwise="the sweep makes them later")


@transaction.atomic
def image_update(*, image_id: int, by, data: dict[str, Any]) -> Image:
    """Change credits, rights, captions or the focal point; crops follow a new focal point."""
    roles.require_photo_editor(by, _("Only photo editors and editors can change credits and rights."))
    image = Image.objects.select_for_update().get(pk=image_id)
    old_focal = (image.focal_x, image.focal_y)
    nullable = ("agency", "rights_expire_at")
    for key, value in data.items():
        if key in EDITABLE:
            setattr(image, key, "" if value is None and key not in nullable else value)
    _validate(image)
    image.save()
    if "creator_author" in data:  # None: no author took it
        photographers.link(image.pk, data["creator_author"])
    if (image.focal_x, image.focal_y) != old_focal:
        crops = [spec.name for spec in selectors.specs() if spec.is_crop]
        stale = list(Rendition.objects.filter(image=image, name__in=crops))
        Rendition.objects.filter(pk__in=[r.pk for r in stale]).delete()
        Image.objects.filter(pk=image.pk).update(renditions_ready=False)
        image.renditions_ready = False
        names = [r.file for r in stale]
        announce.run_after_commit(lambda: _delete_files(names))
        _enqueue_renditions(image.pk)
    _record_image(image.pk, "updated")
    return image


@transaction.atomic
def image_delete(*, image_id: int, by) -> None:
    """Delete an unused image and its files; an image in use is refused with its uses."""
    roles.require_photo_editor(by, _("Only photo editors and editors can delete photos."))
    image = Image.objects.select_for_update().get(pk=image_id)
    found = uses.find([image.pk], by)[image.pk]
    if found:
        raise ImageInUse(image, found)
    names = [image.file, *Rendition.objects.filter(image=image).values_list("file", flat=True)]
    image.delete()
    announce.run_after_commit(lambda: _delete_files(names))
    _record_image(image_id, "deleted")


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
            _record_image(image.pk, "renditions_ready")  # answers now point at the files themselves
    return made


def _save_rendition(image: Image, output: imaging.Output) -> int:
    name = selectors.rendition_path(image, output.spec, output.format)
    _store(name, output.data)
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
        _enqueue_renditions(image_id, now=True)


# A reader asking for a missing rendition enqueues its photo's work at most this often.
RENDITION_REQUEST_SECONDS = 30


def images_sweep_expired(*, now: datetime | None = None) -> int:
    """Remove the renditions of photos whose rights have ended, so no old link still shows them."""
    now = now or timezone.now()
    expired = list(Image.objects.filter(rights_expire_at__lte=now).filter(renditions__isnull=False).distinct())
    for image in expired:
        with transaction.atomic():
            renditions = list(Rendition.objects.filter(image=image))
            Rendition.objects.filter(pk__in=[r.pk for r in renditions]).delete()
            Image.objects.filter(pk=image.pk).update(renditions_ready=False)
            names = [r.file for r in renditions]
            announce.run_after_commit(lambda names=names: _delete_files(names))
            _record_image(image.pk, "rights_expired")
    if expired:
        logger.info("removed renditions of %d image(s) whose rights expired", len(expired))
    return len(expired)


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
        _enqueue_renditions(image_id, now=True)
    if waiting:
        logger.info("re-enqueued renditions for %d photo(s) still without them", len(waiting))
    return len(waiting)


@transaction.atomic
def agency_save(*, agency: Agency, by) -> Agency:
    roles.require_photo_editor(by, _("Only photo editors and editors can change agencies."))
    agency.full_clean()
    agency.save()
    outbox.record(type="agency.updated", subject=f"agency:{agency.pk}", keys=[f"agency-{agency.pk}"])
    return agency


@transaction.atomic
def agency_delete(*, agency: Agency, by) -> None:
    roles.require_photo_editor(by, _("Only photo editors and editors can change agencies."))
    count = agency.images.count()
    if count:
        raise AgencyInUse(
            ngettext(
                "%(agency)s is credited on %(count)d photo; change its agency first.",
                "%(agency)s is credited on %(count)d photos; change their agency first.",
                count,
            )
            % {"agency": agency.name, "count": count}
        )

    agency.delete()
