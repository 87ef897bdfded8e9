"""The newsroom's article desk: every save and transition goes through articles.services."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import roles, search
from core.fields import is_whole_number
from media.admin import thumbnail_url

from . import diff, preview, selectors, services
from .models import (
    Article,
    Author,
    Block,
    Byline,
    Correction,
    EditSession,
    Outlet,
    RelatedPick,
    Section,
    StatusChange,
    Tag,
)


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
    autocomplete_fields = ["author", "outlet"]
    fields = ["position", "author", "role", "outlet"]


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


def _who(user) -> str:
    if user is None:
        return "排期任务"
    return user.get_full_name() or user.get_username()


def _change_line(revision) -> str:
    when = timezone.localtime(revision.created_at).strftime("%m-%d %H:%M:%S")
    return f"{_who(revision.created_by)} 于 {when} {revision.get_action_display()}（第 {revision.version} 版）"


class ArticleForm(forms.ModelForm):
    """The article's own fields, plus the version the editor opened and an optional schedule time."""

    opened_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    schedule_at = forms.DateTimeField(
        label=_("publish at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        help_text=_("For “Save and schedule”: the time, to the second, in the newsroom's time zone."),
    )

    # Set by ArticleAdmin when the page was opened on an older version than the one saved now.
    conflict: list | None = None

    # Set by ArticleAdmin when the services refused the save (a race the form could not see).
    refused: Exception | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["opened_version"] = self.instance.version
        if self.instance.pk and self.instance.status == Article.Status.SCHEDULED:
            self.initial.setdefault("schedule_at", timezone.localtime(self.instance.published_at))
        if self.instance.pk and self.instance.has_been_published and "slug" in self.fields:
            # The services refuse a new slug once published (old links would die): not offered.
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("Fixed once published: links to the article keep working.")

    def clean(self):
        data = super().clean()
        if self.conflict is not None:
            self._refuse_stale(self.conflict)
        if self.refused is not None:
            self._show_refusal(self.refused)
        if "_schedule" in self.data:
            at = data.get("schedule_at")
            if at is None and "schedule_at" not in self.errors:
                self.add_error("schedule_at", "请填写定时发布的时间。")
            elif at is not None:
                try:
                    services.schedule_time_check(at)
                except ValidationError as error:
                    self.add_error("schedule_at", error.message_dict["at"])
        return data

    def _refuse_stale(self, changes: list) -> None:
        lines = "；".join(_change_line(r) for r in changes) or "页面没有带上打开时的版本号"
        raise forms.ValidationError(
            f"没有保存：你打开这篇文章之后，它已被修改（{lines}）。你的内容仍在下面的表单里，没有丢失。"
            "请先在新窗口查看最新版本或修订记录并合并，再点保存——再次保存将以你的内容为准。",
            code="stale",
        )

    def _show_refusal(self, error: Exception) -> None:
        """The services' reasons, on the fields they name (the rest above the form)."""
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for field, messages_ in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages_)
            return
        raise forms.ValidationError(f"没有保存：{error}", code="refused")

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


def _row_data(form: forms.ModelForm, change: bool) -> dict:
    """The article's own fields as `article_create`/`article_update` take them."""
    cleaned = form.cleaned_data
    data = {f: cleaned[f] for f in services.ROW_FIELDS if f in cleaned and f != "slug"}
    if "tags" in cleaned:
        data["tags"] = list(cleaned["tags"])
    # A slug typed now is asked for; otherwise the services keep it (or follow the title).
    if cleaned.get("slug") and ("slug" in form.changed_data or not change):
        data["slug"] = cleaned["slug"]
    return data


def _rows_in_order(formset) -> list[dict]:
    """The cleaned rows the editor kept, in page order: typed positions first, in their order,
    then rows without one where they stand. Empty extra rows are not rows."""
    kept = [
        (index, form.cleaned_data)
        for index, form in enumerate(formset.forms)
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and (form.has_changed() or form.instance.pk)
    ]
    kept.sort(key=lambda pair: (pair[1].get("position") is None, pair[1].get("position") or 0, pair[0]))
    return [row for _, row in kept]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "title",
        "status_label",
        "section",
        "byline_text",
        "published_at",
        "updated_at",
        "view_count",
        "editing_now",
    ]
    list_display_links = ["title"]
    list_filter = ["status", "section", ("source", admin.RelatedOnlyFieldListFilter), "published_at"]
    list_select_related = ["section"]
    search_fields = ["slug", "bylines__author__name"]  # beside the search backend's words: see below
    search_help_text = _("Search words in title, summary and body (Chinese too), a slug or an author's name")
    date_hierarchy = "published_at"
    autocomplete_fields = ["section", "tags", "source", "lead_image"]
    inlines = [BylineInline, BlockInline, RelatedPickInline, CorrectionInline, NewCorrectionInline, StatusChangeInline]
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
        (None, {"fields": ["opened_version", "title", "slug", "summary", "derived_summary", "section", "tags"]}),
        (_("Lead image"), {"fields": ["lead_image", "lead_image_caption"]}),
        (_("Syndication"), {"fields": ["source", "original_url"], "classes": ["collapse"]}),
        (_("Search"), {"fields": ["search_boost"], "classes": ["collapse"]}),
        (
            _("Status"),
            {"fields": ["status_label", "published_at", "schedule_at", "first_published_at", "public_link"]},
        ),
        (
            _("Audit"),
            {
                "fields": ["created_at", "created_by", "updated_at", "updated_by", "version", "view_count"],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["publish_selected", "submit_selected", "unpublish_selected", "unschedule_selected"]
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        js = IMAGE_CHOOSER_JS

    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """The search backend's matches over title, summary and body (every status: editors
        search drafts), or a slug or author name containing the term."""
        others, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return others, may_have_duplicates
        try:
            sql, params = search.matching(search_term)
        except search.QueryError:
            return others, may_have_duplicates  # only punctuation: slugs and names may still match
        return queryset.filter(pk__in=RawSQL(sql, params)) | others, may_have_duplicates

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("bylines__author")
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "articles_article_changelist":
            cutoff = timezone.now() - timedelta(seconds=settings.EDIT_SESSION_SECONDS)
            queryset = queryset.prefetch_related(
                models.Prefetch(
                    "edit_sessions",
                    queryset=EditSession.objects.filter(seen_at__gte=cutoff).select_related("user"),
                    to_attr="open_sessions",
                )
            )
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

    @admin.display(description=_("open by"))
    def editing_now(self, obj: Article) -> str:
        """Who has the article open in the admin right now (the soft lock)."""
        return "、".join(_who(s.user) for s in getattr(obj, "open_sessions", [])) or ""

    @admin.display(description=_("bylines"))
    def byline_text(self, obj: Article) -> str:
        return " ".join(f"{b.role}/{b.author.name}" for b in obj.bylines.all())

    @admin.display(description=_("public API"))
    def public_link(self, obj: Article):
        if not obj.pk or not obj.is_published:
            return "—"
        return format_html('<a href="/api/v1/articles/{}/" target="_blank">/api/v1/articles/{}/</a>', obj.pk, obj.pk)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The buttons the workflow's table allows this user now (a new article is their draft).
        subject = obj if obj is not None and obj.pk else Article(status=Article.Status.DRAFT, created_by=request.user)
        for name in services.TRANSITIONS:
            context[f"can_{name}"] = services.transition_allowed(name, subject, request.user)
        if obj is not None and obj.pk:
            context["others_editing"] = [
                {"name": _who(s.user), "since": timezone.localtime(s.opened_at)}
                for s in selectors.others_editing(article_id=obj.pk, user=request.user)
            ]
            # The same link on every view until the article changes (then one for the new version).
            context["preview_url"] = preview.preview_path(preview.preview_link_for(article_id=obj.pk, by=request.user))
            context["preview_revoke_url"] = reverse("admin:articles_article_preview_revoke", args=[obj.pk])
            context["presence_url"] = reverse("admin:articles_article_presence", args=[obj.pk])
            context["revisions_url"] = reverse("admin:articles_article_revisions", args=[obj.pk])
            opened = context["adminform"].form["opened_version"].value()
            context["presence_config"] = {
                "url": context["presence_url"],
                "version": int(opened) if is_whole_number(str(opened)) else obj.version,
                "every": max(5, settings.EDIT_SESSION_SECONDS // 3),
            }
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- conflict-safe editing ---------------------------------------------------

    # Inlines whose posted rows come back as new rows on a refused page (the saved ones may be gone).
    REPLACEABLE_INLINES = ("bylines", "blocks", "picks")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        conflict = getattr(request, "_article_conflict", None)
        refused = getattr(request, "_article_refused", None)
        if conflict is None and refused is None:
            return form
        return type(form.__name__, (form,), {"conflict": conflict, "refused": refused})

    def _catch_stale_post(self, request, object_id: str) -> None:
        """A form opened on an older version is refused, and comes back as the editor's text on the newest one.

        The posted rows of the body, bylines and related picks become new rows (the saved ones
        may be gone); saving that page again replaces what the other save wrote, as every save does.
        """
        if not is_whole_number(object_id):
            return
        current = Article.objects.filter(pk=object_id).values_list("version", flat=True).first()
        opened = request.POST.get("opened_version", "")
        if current is None or opened == str(current):
            return
        changes = selectors.revisions_since(
            article_id=int(object_id), version=int(opened) if is_whole_number(opened) else 0
        )
        data = request.POST.copy()
        data["opened_version"] = str(current)
        for prefix in self.REPLACEABLE_INLINES:
            total = int(data.get(f"{prefix}-TOTAL_FORMS", "0") or 0)
            if f"{prefix}-INITIAL_FORMS" in data:
                data[f"{prefix}-INITIAL_FORMS"] = "0"
            for index in range(total):
                # A row the editor marked for deletion keeps its mark: as a new row it is then not saved.
                data[f"{prefix}-{index}-id"] = ""
        request.POST = data
        request._article_conflict = changes

    # --- saving: the form and its inlines go to the services in one call, as over the API ---------

    def save_model(self, request, obj: Article, form, change):
        """Nothing is written here: `save_related` gives the whole page to `article_create` or
        `article_update`, so every rule of the API (rights, version, slug, cleaning, revision,
        change stream) holds for the admin too."""

    def save_related(self, request, form, formsets, change):
        inlines = {formset.prefix: formset for formset in formsets}
        data = _row_data(form, change)
        # An inline the user was not shown leaves its rows as they are.
        if "bylines" in inlines:
            data["bylines"] = [
                services.BylineInput(author=row["author"], role=row.get("role") or "文", outlet=row.get("outlet"))
                for row in _rows_in_order(inlines["bylines"])
            ]
        if "blocks" in inlines:
            data["body"] = [
                services.BlockInput(
                    type=row["type"],
                    text=row.get("text", ""),
                    attribution=row.get("attribution", ""),
                    image=row.get("image"),
                )
                for row in _rows_in_order(inlines["blocks"])
                if row.get("text") or row.get("image")
            ]
        if "picks" in inlines:
            data["related"] = [row["to_article"] for row in _rows_in_order(inlines["picks"])]
        if change:
            article = services.article_update(
                article_id=form.instance.pk,
                by=request.user,
                expected_version=form.cleaned_data.get("opened_version"),
                data=data,
            )
        else:
            article = services.article_create(by=request.user, **data)
        for formset in formsets:
            if formset.model is Correction:  # only new rows carry text: kept ones are read-only
                for row in _rows_in_order(formset):
                    if row.get("text"):
                        services.correction_add(article_id=article.pk, by=request.user, text=row["text"])
            # What the admin's history line reads (nothing was saved through the formsets).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        # The page's object becomes the saved article (its id for a new one, its version...).
        form.instance.pk = article.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False
        request._schedule_at = form.cleaned_data.get("schedule_at")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            self._catch_stale_post(request, object_id)
        elif request.method == "GET" and object_id and is_whole_number(object_id):
            article = self.get_queryset(request).filter(pk=object_id).only("version", "status", "created_by").first()
            # Only someone who may change the article holds the soft lock; a reader is not "editing".
            if article is not None and self.has_change_permission(request, article):
                services.edit_session_touch(article_id=article.pk, user=request.user, opened_version=article.version)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.ArticleVersionConflict:
            # Saved by someone else between the page's check and the save (rolled back): the
            # page comes back with their changes named and the editor's text in place.
            self._catch_stale_post(request, object_id)
        except (ValidationError, services.SlugConflict, services.ArticleStateError, PermissionDenied) as error:
            # The services refused what the form let through (rolled back): the page comes back
            # with the reason and everything the editor typed.
            request._article_refused = error
        return super().changeform_view(request, object_id, form_url, extra_context)

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

    def _schedule_button(self, request, obj) -> bool:
        if "_schedule" in request.POST:
            at = request._schedule_at
            try:
                services.article_schedule(article_id=obj.pk, by=request.user, at=at)
            except (services.ArticleStateError, PermissionDenied, ValidationError) as error:
                self.message_user(
                    request, f"《{obj.title}》：{'; '.join(getattr(error, 'messages', [str(error)]))}", messages.ERROR
                )
            else:
                when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
                self.message_user(request, f"《{obj.title}》将于 {when} 发布。", messages.SUCCESS)
            return True
        if "_unschedule" in request.POST:
            self._run_transition(request, obj, services.article_unschedule, "已取消定时发布，回到草稿。")
            return True
        return False

    def response_change(self, request, obj):
        if self._schedule_button(request, obj):
            return HttpResponseRedirect(request.path)
        for name, service, done in self._buttons():
            if name in request.POST:
                self._run_transition(request, obj, service, done)
                return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if self._schedule_button(request, obj):
            return HttpResponseRedirect(f"../{obj.pk}/change/")
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

    @admin.action(description=_("Cancel the schedule of selected articles"), permissions=["change"])
    def unschedule_selected(self, request, queryset):
        self._bulk(request, queryset, services.article_unschedule, "已取消定时发布，回到草稿。")

    # --- extra pages: revisions, presence, schedule ------------------------------------

    def get_urls(self):
        own = [
            path("schedule/", self.admin_site.admin_view(self.schedule_view), name="articles_article_schedule"),
            path(
                "<int:object_id>/revisions/",
                self.admin_site.admin_view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:object_id>/revisions/<int:number>/",
                self.admin_site.admin_view(self.revision_view),
                name="articles_article_revision",
            ),
            path(
                "<int:object_id>/presence/",
                self.admin_site.admin_view(self.presence_view),
                name="articles_article_presence",
            ),
            path(
                "<int:object_id>/preview/revoke/",
                self.admin_site.admin_view(self.preview_revoke_view),
                name="articles_article_preview_revoke",
            ),
        ]
        return own + super().get_urls()

    def preview_revoke_view(self, request, object_id: int):
        """POST: every preview link of the article stops working (a link sent to the wrong person)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        count = preview.preview_links_revoke(article_id=article.pk, by=request.user)
        self.message_user(request, f"已撤销 {count} 个预览链接；再次打开本页会生成新的链接。", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def _article_or_404(self, request, object_id: int) -> Article:
        article = self.get_queryset(request).filter(pk=object_id).first()
        if article is None or not self.has_view_or_change_permission(request, article):
            raise Http404("没有这篇文章，或你无权查看。")
        return article

    def revisions_view(self, request, object_id: int):
        article = self._article_or_404(request, object_id)
        revisions = list(selectors.revision_list(article_id=article.pk)[:200])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"修订记录：{article.title}",
            "article": article,
            "revisions": revisions,
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def revision_view(self, request, object_id: int, number: int):
        article = self._article_or_404(request, object_id)
        revision = selectors.revision_get(article_id=article.pk, number=number)
        if revision is None:
            raise Http404(f"这篇文章没有第 {number} 个修订。")
        if request.method == "POST":
            return self._restore(request, article, revision)
        previous = selectors.revision_before(revision)
        changes = diff.revision_diff(previous.data if previous else None, revision.data)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"修订 #{revision.number}：{article.title}",
            "article": article,
            "revision": revision,
            "previous": previous,
            "title_diff": diff.segments_html(changes["title"]),
            "summary_diff": diff.segments_html(changes["summary"]),
            "summary_changed": diff.has_changes(changes["summary"]),
            "body_diff": diff.body_html(changes["body"]),
            "field_changes": changes["fields"],
            "can_restore": self.has_change_permission(request, article),
        }
        return TemplateResponse(request, "admin/articles/article/revision.html", context)

    def _restore(self, request, article: Article, revision):
        try:
            services.article_restore(article_id=article.pk, number=revision.number, by=request.user)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)
        self.message_user(request, f"已恢复到修订 #{revision.number}，并保存为新的修订。", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def presence_view(self, request, object_id: int):
        """The page's heartbeat: keeps this user's soft lock, answers who else is here and what changed."""
        if request.method != "POST":
            return JsonResponse({"detail": "POST only"}, status=405)
        article = self.get_queryset(request).filter(pk=object_id).only("id", "version", "status", "created_by").first()
        if article is None:
            return JsonResponse({"detail": "not found"}, status=404)
        if request.POST.get("leave"):
            services.edit_session_leave(article_id=article.pk, user=request.user)
            return JsonResponse({"left": True})
        if self.has_change_permission(request, article):  # someone only reading is not editing
            services.edit_session_touch(article_id=article.pk, user=request.user)
        seen = request.POST.get("version", "")
        changes = selectors.revisions_since(article_id=article.pk, version=int(seen)) if is_whole_number(seen) else []
        return JsonResponse(
            {
                "version": article.version,
                "others": [
                    {"name": _who(s.user), "since": timezone.localtime(s.opened_at).strftime("%H:%M")}
                    for s in selectors.others_editing(article_id=article.pk, user=request.user)
                ],
                "changes": [_change_line(r) for r in changes],
            }
        )

    def schedule_view(self, request):
        """What goes out next, soonest first; anything already due but not flipped yet is flagged."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            chosen = request.POST.get("cancel", "")
            article = self.get_queryset(request).filter(pk=chosen).first() if is_whole_number(chosen) else None
            if article is None:
                self.message_user(request, "没有这篇文章。", messages.ERROR)
            else:
                self._run_transition(request, article, services.article_unschedule, "已取消定时发布，回到草稿。")
            return HttpResponseRedirect(request.path)
        now = timezone.now()
        articles = list(
            self.get_queryset(request)
            .filter(status=Article.Status.SCHEDULED)
            .select_related("updated_by")
            .order_by("published_at", "id")
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "定时发布排期",
            "rows": [{"article": a, "due": a.published_at <= now} for a in articles],
            "now": now,
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

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
