"""The newsroom's article desk: every save and transition goes through articles.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from media.admin import thumbnail_url
from portal import roles

from . import services
from .models import Article, Author, Block, Byline, Correction, Outlet, RelatedPick, Section, StatusChange, Tag


class PositionedForm(forms.ModelForm):
    """Position is optional: rows without one keep the order they have on the page."""

    position = forms.IntegerField(
        label=_("position"), required=False, min_value=0, widget=forms.NumberInput(attrs={"style": "width: 4em"})
    )


# Django's own autocomplete first, then ours, which adds thumbnails to image choosers.
IMAGE_CHOOSER_JS = [
    "admin/js/vendor/jquery/jquery.js",
    "admin/js/vendor/select2/select2.full.js",
    "admin/js/jquery.init.js",
    "admin/js/autocomplete.js",
    "articles/admin/image-autocomplete.js",
]


class BylineInline(admin.TabularInline):
    model = Byline
    form = PositionedForm
    extra = 1
    autocomplete_fields = ["author"]
    fields = ["position", "author", "role"]


class BlockForm(PositionedForm):
    class Meta:
        model = Block
        fields = ["position", "type", "text", "attribution", "image"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "attribution": forms.TextInput(attrs={"size": 12}),
        }

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("DELETE") or not (data.get("text") or data.get("image")):
            return data
        try:
            block = services.clean_block_for_admin(
                type=data.get("type", ""),
                text=data.get("text", ""),
                attribution=data.get("attribution", ""),
                image=data.get("image"),
            )
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict.get("body", error.messages)) from error
        data["text"], data["attribution"] = block.text, block.attribution
        return data


class BlockInline(admin.TabularInline):
    """The body, block by block: no JSON to type. Paragraphs take inline HTML (b, i, a...)."""

    model = Block
    form = BlockForm
    extra = 2
    autocomplete_fields = ["image"]
    readonly_fields = ["photo"]
    fields = ["position", "type", "text", "attribution", "image", "photo"]

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
    model = Correction
    extra = 0
    fields = ["text", "created_at"]


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


class ArticleForm(forms.ModelForm):
    original_url = forms.URLField(label=_("original URL"), max_length=500, required=False, assume_scheme="https")
    slug = forms.SlugField(
        widget=forms.TextInput(attrs={"size": 80}),
        label=_("slug"),
        max_length=100,
        required=False,
        help_text=_("Leave blank to make one from the title (pinyin). Fixed once published."),
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "summary",
            "section",
            "tags",
            "source",
            "original_url",
            "lead_image",
            "lead_image_caption",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"size": 80, "class": "vLargeTextField"}),
            "summary": forms.Textarea(attrs={"rows": 2, "cols": 80, "maxlength": 120}),
        }


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["title", "status_label", "section", "byline_text", "published_at", "updated_at", "view_count"]
    list_display_links = ["title"]
    list_filter = ["status", "section", ("source", admin.RelatedOnlyFieldListFilter), "published_at"]
    list_select_related = ["section"]
    search_fields = ["title", "summary", "slug", "bylines__author__name"]
    search_help_text = _("Search title, summary, slug or author name")
    date_hierarchy = "published_at"
    autocomplete_fields = ["section", "tags", "source", "lead_image"]
    inlines = [BylineInline, BlockInline, RelatedPickInline, CorrectionInline, StatusChangeInline]
    readonly_fields = [
        "status_label",
        "published_at",
        "first_published_at",
        "derived_summary",
        "public_link",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
        "version",
        "view_count",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "derived_summary", "section", "tags"]}),
        (_("Lead image"), {"fields": ["lead_image", "lead_image_caption"]}),
        (_("Syndication"), {"fields": ["source", "original_url"], "classes": ["collapse"]}),
        (_("Status"), {"fields": ["status_label", "published_at", "first_published_at", "public_link"]}),
        (
            _("Audit"),
            {
                "fields": ["created_at", "created_by", "updated_at", "updated_by", "version", "view_count"],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["publish_selected", "submit_selected", "unpublish_selected"]
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        js = IMAGE_CHOOSER_JS

    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("bylines__author")
        if roles.is_editor(request.user):
            return queryset
        return queryset.filter(created_by=request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or roles.is_editor(request.user):
            return True
        return obj.created_by_id == request.user.pk and obj.status == Article.Status.DRAFT

    has_delete_permission = has_change_permission

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, obj: Article):
        colours = {
            "draft": "#777",
            "review": "#b8860b",
            "scheduled": "#1e6fb8",
            "published": "#2e7d32",
            "archived": "#999",
        }
        return format_html(
            '<span style="color:{};font-weight:bold">{}</span>',
            colours.get(obj.status, "#000"),
            obj.get_status_display(),
        )

    @admin.display(description=_("bylines"))
    def byline_text(self, obj: Article) -> str:
        return " ".join(f"{b.role}/{b.author.name}" for b in obj.bylines.all())

    @admin.display(description=_("public API"))
    def public_link(self, obj: Article):
        if not obj.pk or not obj.is_published:
            return "—"
        return format_html('<a href="/api/v1/articles/{}/" target="_blank">/api/v1/articles/{}/</a>', obj.pk, obj.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_publish"] = roles.is_editor(request.user) and (
            obj is None or obj.status in ("draft", "review", "scheduled")
        )
        context["can_submit"] = obj is None or obj.status == "draft"
        context["can_unpublish"] = obj is not None and roles.is_editor(request.user) and obj.is_published
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj: Article, form, change):
        request._article_was_public = change and Article.objects.get(pk=obj.pk).is_published
        services.article_prepare_admin_save(
            article=obj,
            by=request.user,
            is_new=not change,
            slug_given=bool(form.cleaned_data.get("slug")) and "slug" in form.changed_data,
            title_changed="title" in form.changed_data,
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        for index, instance in enumerate(instances):
            if getattr(instance, "position", 0) is None:
                # A row without a typed position keeps its place on the page, after numbered ones.
                instance.position = 10_000 + index
            if isinstance(instance, Correction) and not instance.created_by_id:
                instance.created_by = request.user
            instance.save()
        formset.save_m2m()
        if formset.model in (Block, Byline, RelatedPick):
            services.positions_renumber(model=formset.model, article=form.instance)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.article_after_admin_save(
            article=form.instance, by=request.user, was_public=getattr(request, "_article_was_public", False)
        )

    def _run_transition(self, request, article: Article, service, done: str) -> bool:
        try:
            service(article_id=article.pk, by=request.user)
        except services.ArticleStateError as error:
            self.message_user(request, f"《{article.title}》：{error}", messages.WARNING)
        except PermissionDenied as error:
            self.message_user(request, f"《{article.title}》：{error}", messages.ERROR)
        else:
            self.message_user(request, f"《{article.title}》{done}", messages.SUCCESS)
            return True
        return False

    def response_change(self, request, obj):
        for name, service, done in self._buttons():
            if name in request.POST:
                self._run_transition(request, obj, service, done)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        for name, service, done in self._buttons():
            if name in request.POST:
                self._run_transition(request, obj, service, done)
                return HttpResponseRedirect(f"../{obj.pk}/change/")
        return super().response_add(request, obj, post_url_continue)

    @staticmethod
    def _buttons():
        return [
            ("_publish", services.article_publish, "已发布。"),
            ("_submit", services.article_submit, "已提交审核。"),
            ("_unpublish", services.article_unpublish, "已撤回（归档）。"),
        ]

    def _bulk(self, request, queryset, service, done):
        changed = sum(self._run_transition(request, a, service, done) for a in queryset)
        if changed > 1:
            self.message_user(request, f"{changed} 篇文章{done}", messages.SUCCESS)

    @admin.action(description=_("Publish selected articles now"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_publish, "已发布。")

    @admin.action(description=_("Submit selected drafts for review"), permissions=["change"])
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_submit, "已提交审核。")

    @admin.action(description=_("Unpublish selected articles"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_unpublish, "已撤回（归档）。")

    def delete_model(self, request, obj):
        services.article_delete(article_id=obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article_id=article.pk, by=request.user)


URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class TaxonomyAdmin(admin.ModelAdmin):
    """Names used in articles; saving purges cached public answers."""

    formfield_overrides = URL_FIELDS

    def save_model(self, request, obj, form, change):
        services.taxonomy_save(instance=obj, by=request.user)

    def delete_model(self, request, obj):
        services.taxonomy_delete(instance=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.taxonomy_delete(instance=obj, by=request.user)


@admin.register(Author)
class AuthorAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "affiliation", "user", "article_count"]
    list_filter = [("affiliation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "affiliation__name"]
    autocomplete_fields = ["affiliation", "user", "avatar"]
    prepopulated_fields: dict = {}

    class Media:
        js = IMAGE_CHOOSER_JS

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("affiliation", "user")
            .annotate(n_articles=Count("bylines__article", distinct=True))
            .order_by("name", "id")
        )

    @admin.display(description=_("article count"), ordering="n_articles")
    def article_count(self, obj) -> int:
        return obj.n_articles


@admin.register(Outlet)
class OutletAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug"]


@admin.register(Section)
class SectionAdmin(TaxonomyAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]


@admin.register(Tag)
class TagAdmin(TaxonomyAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
