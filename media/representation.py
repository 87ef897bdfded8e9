"""How media is shown outside the photo desk: the contract's image (what the public API and the
stored documents embed, for the schema) and the small preview other apps' admin pages show.

Other apps reach media's representation here, never through `media.api` or `media.admin`.
"""

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from . import selectors
from .models import Image

__all__ = ["CreditSerializer", "PublicImageSerializer", "RenditionSerializer", "thumbnail_url"]


class CreditSerializer(serializers.Serializer):
    line = serializers.CharField()
    creator = serializers.CharField()
    agency = serializers.CharField()
    copyright = serializers.CharField()
    license = serializers.CharField()


class RenditionSerializer(serializers.Serializer):
    name = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.CharField()
    url = serializers.CharField()


class PublicImageSerializer(serializers.Serializer):
    """The contract's image: `id, width, height, alt, caption, credit, renditions`."""

    id = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt = serializers.CharField()
    caption = serializers.CharField()
    credit = CreditSerializer()
    renditions = RenditionSerializer(many=True)


def thumbnail_url(image: Image) -> str:
    """A small preview for editors; photos whose rights ended are previewed through the admin only."""
    if not image.is_usable_at(timezone.now()):
        return reverse("admin:media_image_thumbnail", args=[image.pk])
    for item in selectors.rendition_list(image):
        if item["name"] == "320w" and item["format"] == "jpeg":
            return item["url"]
    return reverse("admin:media_image_thumbnail", args=[image.pk])
