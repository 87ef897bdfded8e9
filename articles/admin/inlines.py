"""The rows under an article: bylines, body blocks, related picks, corrections, its trail."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from core import roles
from media.representation import thumbnail_url

from ..models import Article, Block, Byline, Correction, RelatedPick, StatusChange
from ..text import sanitize_inline_html
from .forms import BlockForm, PositionedForm


class BylineInline(admin.TabularInline):
    model = Byline
    form = PositionedForm
    extra = 1
    autocomplete_fields = ["author", "outlet"]
    fields = ["position", "author", "role", "outlet"]


class BlockInline(admin.TabularInline):
    """The body, block by block: no JSON to type. Paragraphs take inline HTML (b, i, a...)."""

    model = Block
    form = BlockForm
    extra = 2
    autocomplete_fields = ["image"]
    readonly_fields = ["photo", "content"]
    fields = ["position", "type", "html", "text", "attribution", "image", "photo"]
    classes = ["body-blocks"]

    class Media:
        js = ["articles/admin/blocks.js"]

    def get_fields(self, request, obj=None):
        # The page is read-only when the article is not this user's to change (a writer reading
        # a submitted article): the text is then shown as readers see it, not as an editor.
        if self.admin_site.get_model_admin(Article).has_change_permission(request, obj):
            return self.fields
        return ["position", "type", "content", "attribution", "photo"]

    @admin.display(description=_("text"))
    def content(self, block: Block):
        """What readers see: a paragraph's formatting, not its tags (sanitised again on the way out)."""
        if block.type == Block.Type.PARAGRAPH:
            return mark_safe(sanitize_inline_html(block.text))  # noqa: S308 - sanitised to the inline allowlist
        return block.text

    @admin.display(description=_("photo and credit"))
    def photo(self, block: Block):
        """The photo with its caption and, after it, the credit, as the page prints them."""
        if block.type != Block.Type.IMAGE or block.image is None:
            return ""
        image = block.image
        expired = not image.is_usable_at(timezone.now())
        return format_html(
            '<img src="{}" style="height:70px;max-width:140px;object-fit:cover"><div style="max-width:260px">'
            '{} <span style="color:#666">{}</span>{}</div>',
            thumbnail_url(image),
            block.text or image.caption,
            image.display_credit,
            format_html(' <strong style="color:#ba2121">{}</strong>', _("rights expired")) if expired else "",
        )

    verbose_name = _("body block")
    verbose_name_plural = _("body (blocks in order)")


class RelatedPickInline(admin.TabularInline):
    model = RelatedPick
    form = PositionedForm
    fk_name = "from_article"
    extra = 0
    max_num = 5
    autocomplete_fields = ["to_article"]
    fields = ["position", "to_article"]


class CorrectionInline(admin.TabularInline):
    """Correction notes printed under a published article: a public record, kept as written."""

    model = Correction
    extra = 0
    fields = ["text", "created_at", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NewCorrectionInline(admin.TabularInline):
    """A correction to add to a published article; saved by `correction_add`, as over the API."""

    model = Correction
    extra = 1
    max_num = 1
    fields = ["text"]
    can_delete = False
    verbose_name = _("new correction")
    verbose_name_plural = _("add a correction")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_add_permission(self, request, obj=None):
        return obj is not None and obj.is_published and roles.is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)


class StatusChangeInline(admin.TabularInline):
    """The article's workflow trail, read-only."""

    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_label", "to_label", "who"]
    readonly_fields = fields
    verbose_name_plural = _("status changes")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("from"))
    def from_label(self, change: StatusChange) -> str:
        return Article.Status(change.from_status).label if change.from_status else "—"

    @admin.display(description=_("to"))
    def to_label(self, change: StatusChange) -> str:
        return Article.Status(change.to_status).label

    @admin.display(description=_("by"))
    def who(self, change: StatusChange) -> str:
        return change.by.get_username() if change.by_id else _("schedule")
