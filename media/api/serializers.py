"""Serializers for images and agencies in the editor API."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from core.fields import IdRelatedField

from .. import photographers, selectors, uses
from ..models import Agency, Image
from ..representation import CreditSerializer, RenditionSerializer


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "url", "default_license", "credit_format"]


class EditorImageSerializer(serializers.ModelSerializer):
    """What photo editors read: the public image plus the file, credit and rights fields."""

    credit = serializers.SerializerMethodField()
    creator_author = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()
    uses = serializers.SerializerMethodField()
    uses_hidden = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(source="uploaded_by.username", default=None, read_only=True)
    agency = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Image
        fields = [
            "id",
            "width",
            "height",
            "format",
            "bytes",
            "sha256",
            "alt",
            "caption",
            "credit",
            "renditions",
            "focal_x",
            "focal_y",
            "creator",
            "creator_author",
            "agency",
            "credit_line",
            "copyright",
            "license",
            "usage_terms",
            "rights_expire_at",
            "source_url",
            "renditions_ready",
            "public",
            "uploaded_by",
            "uploaded_at",
            "uses",
            "uses_hidden",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text="the author who took it, if staff"))
    def get_creator_author(self, image: Image) -> int | None:
        found = self.context.get("photographers")
        if found is None:
            found = photographers.authors_of([image.pk])
        return found.get(image.pk)

    @extend_schema_field(CreditSerializer)
    def get_credit(self, image: Image) -> dict:
        return selectors.credit(image)

    @extend_schema_field(RenditionSerializer(many=True))
    def get_renditions(self, image: Image) -> list[dict]:
        return selectors.rendition_list(image)

    @extend_schema_field(
        inline_serializer("ImageUse", {"kind": serializers.CharField(), "label": serializers.CharField()}, many=True)
    )
    def _uses(self, image: Image) -> list:
        found = self.context.get("uses")
        if found is None or image.pk not in found:
            # Without a reader nothing is shown that someone may not open.
            request = self.context.get("request")
            viewer = getattr(request, "user", None) or AnonymousUser()
            found = {**(found or {}), **uses.find([image.pk], viewer)}
            self.context["uses"] = found
        return found[image.pk]

    def get_uses(self, image: Image) -> list[dict]:
        return [{"kind": use.kind, "label": use.label} for use in uses.visible(self._uses(image))]

    @extend_schema_field(serializers.IntegerField(min_value=0))
    def get_uses_hidden(self, image: Image) -> int:
        """Uses the reader may not open (another writer's draft): counted, never named."""
        return uses.hidden_count(self._uses(image))


class ImageInputSerializer(serializers.Serializer):
    """Multipart upload (`file` plus credit fields) or, for changes, JSON without `file`."""

    file = serializers.FileField(required=True, allow_empty_file=True)
    alt = serializers.CharField(max_length=300, required=False, allow_blank=True)
    caption = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    creator = serializers.CharField(max_length=100, required=False, allow_blank=True)
    creator_author = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    agency = IdRelatedField(queryset=Agency.objects.all(), required=False, allow_null=True)
    credit_line = serializers.CharField(max_length=200, required=False, allow_blank=True)
    copyright = serializers.CharField(max_length=200, required=False, allow_blank=True)
    license = serializers.ChoiceField(choices=Image.License.choices, required=False)
    usage_terms = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    rights_expire_at = serializers.DateTimeField(required=False, allow_null=True)
    public = serializers.BooleanField(
        required=False, help_text="readers may fetch it though no published article uses it (photo desk)"
    )
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    focal_x = serializers.FloatField(required=False, min_value=0, max_value=1)
    focal_y = serializers.FloatField(required=False, min_value=0, max_value=1)

    def validate_creator_author(self, value):
        if value is None:
            return None
        try:
            return photographers.author(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["creator_author"]) from error
