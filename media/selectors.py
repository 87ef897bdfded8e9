"""Reads of images: public representations computed without extra queries."""

from datetime import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Min, QuerySet
from django.urls import reverse
from django.utils import timezone

from . import imaging
from .models import Image


def specs() -> list[imaging.Spec]:
    return [imaging.Spec(name, width, height) for name, (width, height) in settings.MEDIA_RENDITIONS.items()]


def formats() -> list[str]:
    return imaging.supported_formats(settings.MEDIA_RENDITION_FORMATS)


def spec_named(name: str) -> imaging.Spec | None:
    if name not in settings.MEDIA_RENDITIONS:
        return None
    width, height = settings.MEDIA_RENDITIONS[name]
    return imaging.Spec(name, width, height)


def original_path(sha256: str, kind: str) -> str:
    return f"images/{sha256[:2]}/{sha256}.{imaging.EXTENSIONS[kind]}"


def rendition_path(image: Image, spec: imaging.Spec, kind: str) -> str:
    """A stable name per photo, spec and format, under the photo's random `rendition_key` (never
    the hash that names the original: a CDN mapped on the bucket would serve it); crops also
    name their focal point, so a CDN never serves a crop made around an old one."""
    focal = f"-{round(image.focal_x * 100):02d}{round(image.focal_y * 100):02d}" if spec.is_crop else ""
    key = image.rendition_key
    return f"renditions/{key[:2]}/{key}-{spec.name}{focal}.{imaging.EXTENSIONS[kind]}"


def absolute(url: str) -> str:
    """A URL readers can use from anywhere (an app, a feed reader, another site): a path on this
    site gets PUBLIC_BASE_URL in front; a CDN's absolute MEDIA_URL is kept as it is."""
    if url.startswith(("https://", "http://", "//")):
        return url
    return settings.PUBLIC_BASE_URL + url


def rendition_list(image: Image, names: list[str] | None = None) -> list[dict]:
    """`{name, width, height, format, url}` for every rendition (or those `names`), with no query.

    Sizes are computed from the spec; until the worker has made them all, URLs
    point at the endpoint that makes a missing one once and redirects.
    """
    focal = (image.focal_x, image.focal_y)
    items = []
    for spec in specs():
        if names is not None and spec.name not in names:
            continue
        width, height = imaging.output_size(spec, image.width, image.height, focal)
        for kind in formats():
            if image.renditions_ready:
                url = default_storage.url(rendition_path(image, spec, kind))
            else:
                url = reverse("image-rendition", kwargs={"pk": image.pk, "name": spec.name, "kind": kind})
            items.append({"name": spec.name, "width": width, "height": height, "format": kind, "url": absolute(url)})
    return items


def credit(image: Image) -> dict:
    return {
        "line": image.display_credit,
        "creator": image.creator,
        "agency": image.agency.name if image.agency is not None else "",
        "copyright": image.copyright,
        "license": image.license,
    }


def image_public(
    image: Image | None, *, caption: str = "", now: datetime | None = None, renditions: list[str] | None = None
) -> dict | None:
    """The contract's image, or None when there is none or its rights have expired.

    `renditions` names the ones to list (a list item shows a few); all by default.
    """
    if image is None or not image.is_usable_at(now or timezone.now()):
        return None
    return {
        "id": image.pk,
        "width": image.width,
        "height": image.height,
        "alt": image.alt,
        "caption": caption or image.caption,
        "credit": credit(image),
        "renditions": rendition_list(image, renditions),
    }


def image_list_for_editor() -> QuerySet[Image]:
    return Image.objects.select_related("agency", "uploaded_by")


def next_rights_expiry() -> datetime | None:
    """When the next photo's rights end: cached public answers must not outlive it."""
    return Image.objects.filter(rights_expire_at__gt=timezone.now()).aggregate(next=Min("rights_expire_at"))["next"]
