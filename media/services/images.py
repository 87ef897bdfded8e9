"""Photos: uploads, credits and rights, deletion, and the sweep of rights that ended."""

import hashlib
import logging
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import announce, roles

from .. import imaging, photographers, selectors, uses
from ..models import Image, Rendition
from .changes import record_image
from .files import delete_files, store_file
from .renditions import enqueue_renditions

logger = logging.getLogger(__name__)


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


def _ensure_can_upload(by: User) -> None:
    if not roles.is_staff_member(by):
        raise PermissionDenied(_("Only newsroom members can upload photos."))


def image_read_upload(upload: UploadedFile) -> tuple[bytes, imaging.Probe]:
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


def image_create(*, data: bytes, probe: imaging.Probe, by: User, **fields: Any) -> tuple[Image, bool]:
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
            fields[name] = probe.metadata[name][: getattr(Image._meta.get_field(name), "max_length", None) or 1000]
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
    wrote = store_file(name, data)
    try:
        with transaction.atomic():
            image.save()
            if photographer is not None:
                photographers.link(image.pk, photographer)
            enqueue_renditions(image.pk)
    except IntegrityError:
        # The same bytes were stored by a concurrent upload; the unique hash guards the race.
        existing = Image.objects.filter(sha256=sha256).first()
        if existing is None:
            if wrote:
                delete_files([name])
            raise
        return existing, False
    except Exception:
        if wrote:
            delete_files([name])
        raise
    return image, True


@transaction.atomic
def image_update(*, image_id: int, by: User, data: dict[str, Any]) -> Image:
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
        announce.run_after_commit(lambda: delete_files(names))
        enqueue_renditions(image.pk)
    record_image(image.pk, "updated")
    return image


@transaction.atomic
def image_delete(*, image_id: int, by: User) -> None:
    """Delete an unused image and its files; an image in use is refused with its uses."""
    roles.require_photo_editor(by, _("Only photo editors and editors can delete photos."))
    image = Image.objects.select_for_update().get(pk=image_id)
    found = uses.find([image.pk], by)[image.pk]
    if found:
        raise ImageInUse(image, found)
    names = [image.file, *Rendition.objects.filter(image=image).values_list("file", flat=True)]
    image.delete()
    announce.run_after_commit(lambda: delete_files(names))
    record_image(image_id, "deleted")


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
            announce.run_after_commit(partial(delete_files, names))
            record_image(image.pk, "rights_expired")
    if expired:
        logger.info("removed renditions of %d image(s) whose rights expired", len(expired))
    return len(expired)
