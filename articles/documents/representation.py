"""The public representation of articles: what the stored documents hold (detail and list item)
and what the public API answers for sections, tags, authors and outlets.

Documents are rendered with these serializers once per change (`render`), never per request;
the API layer uses them for the schema and for its own answers.
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from media.representation import PublicImageSerializer
from media.selectors import image_public

from ..models import Article, Author, Block, Byline, Outlet, Section, Tag
from ..selectors import authors_of


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "slug", "name", "order"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "slug", "name"]


class OutletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["id", "slug", "name", "url"]


class AuthorRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class AuthorSerializer(serializers.ModelSerializer):
    affiliation = OutletSerializer(read_only=True, allow_null=True)
    avatar = serializers.SerializerMethodField()

    class Meta:
        model = Author
        fields = ["id", "slug", "name", "bio", "affiliation", "avatar"]

    @extend_schema_field(PublicImageSerializer(allow_null=True))
    def get_avatar(self, author: Author) -> dict | None:
        return image_public(author.avatar) if author.avatar_id else None


class SectionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class BlockSchema(serializers.Serializer):
    """A body block as the API gives it (for the schema): `type` says which other fields it has."""

    type = serializers.ChoiceField(choices=["paragraph", "heading", "quote", "image"])
    html = serializers.CharField(required=False, help_text="paragraph: sanitised inline HTML")
    text = serializers.CharField(required=False, help_text="heading, quote")
    attribution = serializers.CharField(required=False, help_text="quote")
    image = PublicImageSerializer(required=False, help_text="image")
    caption = serializers.CharField(required=False, help_text="image")
    credit = serializers.CharField(required=False, help_text="image: the credit line")


class ArticleListItemSerializer(serializers.Serializer):
    """One list item, with the contract's fields and no more."""

    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(source="display_summary", read_only=True)
    section = SectionRefSerializer(read_only=True, allow_null=True)
    authors = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    lead_image = serializers.SerializerMethodField()
    view_count = serializers.IntegerField(read_only=True)

    @extend_schema_field(AuthorRefSerializer(many=True))
    def get_authors(self, article: Article) -> list[dict]:
        return [{"id": a.pk, "slug": a.slug, "name": a.name} for a in authors_of(article)]

    # A list shows a thumbnail: only these renditions, not every size and crop.
    lead_image_renditions: list[str] | None = None

    @extend_schema_field(PublicImageSerializer(allow_null=True))
    def get_lead_image(self, article: Article) -> dict | None:
        if not article.lead_image_id:
            return None
        names = settings.LIST_IMAGE_RENDITIONS if self.lead_image_renditions is None else self.lead_image_renditions
        return image_public(article.lead_image, caption=article.lead_image_caption, renditions=names or None)


class OutletRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class BylineAuthorSerializer(AuthorRefSerializer):
    outlet = OutletRefSerializer(read_only=True, allow_null=True, help_text="the outlet they wrote for, if any")


class BylineSerializer(serializers.Serializer):
    author = serializers.SerializerMethodField()
    role = serializers.CharField(read_only=True)

    @extend_schema_field(BylineAuthorSerializer)
    def get_author(self, byline: Byline) -> dict:
        """The author as credited: with the outlet of this byline (the one at the time of writing)."""
        author, outlet = byline.author, byline.outlet
        return {
            "id": author.pk,
            "slug": author.slug,
            "name": author.name,
            "outlet": {"id": outlet.pk, "slug": outlet.slug, "name": outlet.name} if outlet is not None else None,
        }


class CorrectionSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class RelatedArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(source="display_summary", read_only=True)
    section = SectionRefSerializer(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    lead_image = serializers.SerializerMethodField()

    @extend_schema_field(PublicImageSerializer(allow_null=True))
    def get_lead_image(self, article: Article) -> dict | None:
        if not article.lead_image_id:
            return None
        return image_public(
            article.lead_image, caption=article.lead_image_caption, renditions=settings.LIST_IMAGE_RENDITIONS or None
        )


def block_representation(block: Block) -> dict | None:
    """The contract's block; an image block whose photo may no longer be shown is None."""
    if block.type == Block.Type.IMAGE:
        image = image_public(block.image, caption=block.text)
        if image is None:
            return None
        return {"type": "image", "image": image, "caption": image["caption"], "credit": image["credit"]["line"]}
    if block.type == Block.Type.PARAGRAPH:
        return {"type": "paragraph", "html": block.text}
    if block.type == Block.Type.QUOTE:
        return {"type": "quote", "text": block.text, "attribution": block.attribution}
    return {"type": block.type, "text": block.text}


class ArticleDetailSerializer(ArticleListItemSerializer):
    """A whole article. `related` comes from the view's context (one query)."""

    lead_image_renditions: list[str] = []  # the article page: every rendition

    body = serializers.SerializerMethodField()
    bylines = BylineSerializer(many=True, read_only=True)
    tags = TagSerializer(many=True, read_only=True)
    # The contract's field `source` (the original outlet), beside DRF's own `Field.source`.
    source = serializers.SerializerMethodField()  # type: ignore[assignment]
    original_url = serializers.CharField(read_only=True)
    first_published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    updated_at = serializers.DateTimeField(read_only=True)
    corrections = CorrectionSerializer(many=True, read_only=True)
    related = serializers.SerializerMethodField()

    @extend_schema_field(BlockSchema(many=True))
    def get_body(self, article: Article) -> list[dict]:
        shown = (block_representation(block) for block in article.blocks.all())
        return [block for block in shown if block is not None]

    @extend_schema_field(OutletSerializer(allow_null=True))
    def get_source(self, article: Article) -> dict | None:
        if article.source is None:
            return None
        outlet = article.source
        return {"id": outlet.pk, "slug": outlet.slug, "name": outlet.name, "url": outlet.url}

    @extend_schema_field(RelatedArticleSerializer(many=True))
    def get_related(self, article: Article) -> list[dict]:
        related = self.context.get("related", {}).get(article.pk, [])
        return list(RelatedArticleSerializer(related, many=True).data)


# --- the stored documents' representation -----------------------------------------------
# The serializers above describe the contract (the schema, the API's own answers); documents are
# rendered in bulk with these plain functions, which give the same fields in the same order
# (a test holds them to the serializers' output) at a fraction of the cost per article.

_MOMENT = serializers.DateTimeField()


def _moment(value: datetime | None) -> str | None:
    return _MOMENT.to_representation(value) if value else None


def _ref(thing: Any) -> dict | None:
    return {"id": thing.pk, "slug": thing.slug, "name": thing.name} if thing is not None else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _item_fields(article: Article, renditions: list[str] | None) -> dict:
    fields = _related_fields(article, renditions)
    return {
        **{name: fields[name] for name in ("id", "slug", "title", "summary", "section")},
        "authors": [_ref(author) for author in authors_of(article)],
        "published_at": fields["published_at"],
        "lead_image": fields["lead_image"],
        "view_count": article.view_count,
    }


def _related_fields(article: Article, renditions: list[str] | None) -> dict:
    lead_image = None
    if article.lead_image_id:
        lead_image = image_public(article.lead_image, caption=article.lead_image_caption, renditions=renditions or None)
    return {
        "id": article.pk,
        "slug": _text(article.slug),
        "title": _text(article.title),
        "summary": _text(article.display_summary),
        "section": _ref(article.section) if article.section_id else None,
        "published_at": _moment(article.published_at),
        "lead_image": lead_image,
    }


def item_representation(article: Article) -> dict:
    """`ArticleListItemSerializer(article).data`, for an article read with its detail's relations."""
    return _item_fields(article, settings.LIST_IMAGE_RENDITIONS)


def related_representation(article: Article) -> dict:
    """`RelatedArticleSerializer(article).data`."""
    return _related_fields(article, settings.LIST_IMAGE_RENDITIONS)


def detail_representation(article: Article, related: list[Article]) -> dict:
    """`ArticleDetailSerializer(article, context={"related": {article.pk: related}}).data`."""
    shown = (block_representation(block) for block in article.blocks.all())
    outlet = article.source if article.source_id else None
    bylines = []
    for byline in article.bylines.all():
        author = _ref(byline.author)
        assert author is not None  # a byline always names an author
        author["outlet"] = _ref(byline.outlet) if byline.outlet_id else None
        bylines.append({"author": author, "role": _text(byline.role)})
    return {
        **_item_fields(article, ArticleDetailSerializer.lead_image_renditions),
        "body": [block for block in shown if block is not None],
        "bylines": bylines,
        "tags": [_ref(tag) for tag in article.tags.all()],
        "source": {"id": outlet.pk, "slug": outlet.slug, "name": outlet.name, "url": outlet.url} if outlet else None,
        "original_url": _text(article.original_url),
        "first_published_at": _moment(article.first_published_at),
        "updated_at": _moment(article.updated_at),
        "corrections": [
            {"text": _text(c.text), "created_at": _moment(c.created_at)} for c in article.corrections.all()
        ],
        "related": [related_representation(item) for item in related],
    }
