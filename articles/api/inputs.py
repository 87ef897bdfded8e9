"""What the editor article API takes: articles, their bylines and blocks, names, corrections, schedules."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from core.fields import IdRelatedField
from media.models import Image

from ..models import Article, Author, Block, Outlet, Section, Tag
from ..selectors import public_q


class PublishedArticleField(IdRelatedField):
    """A related pick: published articles only; another writer's draft reads as "does not exist"."""

    def get_queryset(self):
        return super().get_queryset().filter(public_q())


class BylineInputSerializer(serializers.Serializer):
    author = IdRelatedField(queryset=Author.objects.all())
    role = serializers.CharField(max_length=20, required=False, default="文", allow_blank=True)


class BlockInputSerializer(serializers.Serializer):
    """`{"type":"paragraph","html"}`, `{"type":"heading","text"}`, `{"type":"quote","text","attribution"}`,
    `{"type":"image","image": id, "caption"}`."""

    type = serializers.CharField(max_length=20)
    html = serializers.CharField(required=False, allow_blank=True, max_length=20000, trim_whitespace=False)
    text = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    attribution = serializers.CharField(required=False, allow_blank=True, max_length=200)
    image = IdRelatedField(queryset=Image.objects.all(), required=False, allow_null=True)
    caption = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    _NEEDS = {
        "paragraph": gettext_lazy("A paragraph block needs its html."),
        "heading": gettext_lazy("A heading block needs its text."),
        "quote": gettext_lazy("A quote block needs its text."),
    }

    def validate(self, data: dict) -> dict:
        kind = data["type"]
        if kind not in Block.Type.values:
            raise serializers.ValidationError(
                {"type": _("Unknown block type “%(type)s”; use paragraph, heading, quote or image.") % {"type": kind}}
            )
        if kind == "image":
            if data.get("image") is None:
                raise serializers.ValidationError({"image": _("An image block needs the id of an uploaded image.")})
            caption = data.get("caption", data.get("text", ""))
            return {"type": kind, "text": caption, "attribution": "", "image": data["image"]}
        content = data.get("html") if kind == "paragraph" else data.get("text")
        if content is None and kind == "paragraph":
            content = data.get("text")
        if not content or not content.strip():
            field = "html" if kind == "paragraph" else "text"
            raise serializers.ValidationError({field: str(self._NEEDS[kind])})
        return {"type": kind, "text": content, "attribution": data.get("attribution", "")}


class ArticleInputSerializer(serializers.Serializer):
    """Editor writes: the read's shape with related objects given by id."""

    title = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True)
    summary = serializers.CharField(max_length=120, required=False, allow_blank=True)
    section = IdRelatedField(queryset=Section.objects.all(), required=False, allow_null=True)
    source = IdRelatedField(queryset=Outlet.objects.all(), required=False, allow_null=True)
    original_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    lead_image = IdRelatedField(queryset=Image.objects.all(), required=False, allow_null=True)
    lead_image_caption = serializers.CharField(max_length=500, required=False, allow_blank=True)
    search_boost = serializers.IntegerField(min_value=0, max_value=3, required=False)
    tags = IdRelatedField(queryset=Tag.objects.all(), many=True, required=False)
    bylines = BylineInputSerializer(many=True, required=False)
    body = BlockInputSerializer(many=True, required=False)
    related = PublishedArticleField(queryset=Article.objects.all(), many=True, required=False)

    def validate_bylines(self, value: list) -> list:
        if len(value) > 20:
            raise serializers.ValidationError(_("At most 20 bylines."))
        return value

    def validate_body(self, value: list) -> list:
        if len(value) > 500:
            raise serializers.ValidationError(_("At most 500 body blocks."))
        return value


class AuthorInputSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Author
        fields = ["id", "slug", "name", "bio", "affiliation", "user", "avatar"]


class SectionInputSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=50, required=False, allow_blank=True)

    class Meta:
        model = Section
        fields = ["id", "slug", "name", "order"]


class TagInputSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Tag
        fields = ["id", "slug", "name"]


class OutletInputSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(max_length=100, required=False, allow_blank=True)

    class Meta:
        model = Outlet
        fields = ["id", "slug", "name", "url"]


class CorrectionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ScheduleInputSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="ISO 8601 with offset, in the future")
