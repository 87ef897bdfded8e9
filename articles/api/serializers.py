"""What the public and editor article APIs answer (what they take: `inputs`)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..documents.representation import ArticleDetailSerializer
from ..models import Article


class TransitionSchema(serializers.Serializer):
    from_ = serializers.CharField(allow_null=True)
    to = serializers.CharField()
    by = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class EditorArticleSerializer(ArticleDetailSerializer):
    """What editors read: the public detail plus workflow and audit fields."""

    status = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    search_boost = serializers.IntegerField(read_only=True, help_text="0 (none) to 3: evergreen pieces rank higher")
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True, default=None)
    editor_summary = serializers.CharField(source="summary", read_only=True)
    related_picks = serializers.SerializerMethodField()
    transitions = serializers.SerializerMethodField()

    @extend_schema_field(TransitionSchema(many=True))
    def get_transitions(self, article: Article) -> list[dict]:
        at = serializers.DateTimeField()  # the site's offset, as every other time in the API
        return [
            {
                "from": c.from_status or None,
                "to": c.to_status,
                "by": c.by.username if c.by_id else None,
                "at": at.to_representation(c.at),
            }
            for c in article.status_changes.all()
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_related_picks(self, article: Article) -> list[int]:
        return list(self.context.get("picks", {}).get(article.pk, []))


# --- revisions ----------------------------------------------------------------


class RevisionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    version = serializers.IntegerField()
    action = serializers.CharField()
    restored_from = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(source="created_by.username", default=None)
    title = serializers.CharField()


class RevisionDetailSerializer(RevisionSerializer):
    """One revision: everything it kept, and what changed from the one before (or `?against=n`)."""

    title = serializers.CharField(source="data.title")
    data = serializers.JSONField()
    diff = serializers.SerializerMethodField()
    against = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_against(self, revision) -> int | None:
        previous = self.context.get("previous")
        return previous.number if previous else None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_diff(self, revision) -> dict:
        from ..diff import revision_diff

        previous = self.context.get("previous")
        return revision_diff(previous.data if previous else None, revision.data)


class PreviewSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()
    version = serializers.IntegerField(help_text="The article version the link was made for.")
