"""The article list and change page."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from js_asset import Media as EditorMedia

from core import roles, search
from core.admin_lists import DeskPaginator, year_filter
from core.fields import is_whole_number

from .. import preview, selectors, services
from ..models import Article, Author, Byline, EditSession
from ..services.rules import EDITOR_ONLY_FIELDS
from .desk import DeskPagesMixin
from .forms import IMAGE_CHOOSER_JS, ArticleForm, who
from .inlines import (
    BlockInline,
    BylineInline,
    CorrectionInline,
    NewCorrectionInline,
    RelatedPickInline,
    StatusChangeInline,
)
from .saving import SavingMixin


def _short_time(moment) -> str:
    """A list's time in little room: `11-27 08:30` this year, `2025-11-27` before, `—` without one."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    return local.strftime("%m-%d %H:%M" if local.year == timezone.localtime().year else "%Y-%m-%d")


@admin.register(Article)
class ArticleAdmin(SavingMixin, DeskPagesMixin, admin.ModelAdmin):
    form = ArticleForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Compact enough for a laptop's window beside the filters: the title has room for two lines,
    # who has it open reads under it, times are short (tests/e2e/test_browser.py checks).
    list_display = [
        "title_and_who",
        "status_label",
        "section_name",
        "byline_text",
        "published_when",
        "updated_when",
        "view_count",
    ]
    list_display_links = ["title_and_who"]
    # Every filter and sort costs the same at a million articles: outlets and sections are listed
    # from their own tables, years from the first and last date, never by reading every article
    # (Django's date hierarchy and "related only" filters did), and each sort offered has its index.
    list_filter = [
        "status",
        "section",
        "source",
        "published_at",
        year_filter("published_at", _("year published")),
    ]
    list_select_related = ["section"]
    search_fields = ["slug"]  # a slug's beginning, an author's name and the search backend's words: see below
    search_help_text = _(
        "Search words in title, summary and body (Chinese too; the newest matches), a slug's beginning"
        " or an author's name"
    )
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
    paginator = DeskPaginator

    def get_search_results(self, request, queryset, search_term):
        """The newest DESK_SEARCH_LIMIT matches of the search backend over title, summary and body
        (every status: editors search drafts), an article whose slug begins with the term, or
        one with a byline of an author whose name holds it. Each is an index look-up, and none
        joins the bylines into the list (which made Django count and page a `DISTINCT` of every
        column over article, byline and author)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        found = models.Q(slug__startswith=term.lower())
        authors = Author.objects.filter(name__icontains=term).values("pk")[: settings.DESK_SEARCH_LIMIT]
        found |= models.Q(pk__in=Byline.objects.filter(author__in=authors).values("article_id"))
        try:
            found |= models.Q(pk__in=search.newest(term, settings.DESK_SEARCH_LIMIT))
        except search.QueryError:
            pass  # only punctuation: slugs and names may still match
        return queryset.filter(found), False

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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not roles.is_editor(request.user):  # editor tools: the services refuse them from writers too
            fields += [f for f in EDITOR_ONLY_FIELDS if f not in fields]
        return fields

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

    @admin.display(description=Article._meta.get_field("published_at").verbose_name, ordering="published_at")
    def published_when(self, obj: Article) -> str:
        return _short_time(obj.published_at)

    @admin.display(description=Article._meta.get_field("updated_at").verbose_name, ordering="updated_at")
    def updated_when(self, obj: Article) -> str:
        return _short_time(obj.updated_at)

    @admin.display(description=Article._meta.get_field("section").verbose_name, ordering="section_id")
    def section_name(self, obj: Article) -> str:
        return obj.section.name if obj.section is not None else "—"

    @admin.display(description=Article._meta.get_field("title").verbose_name)
    def title_and_who(self, obj: Article):
        """The title, and under it who has the article open in the admin right now (the soft lock)."""
        names = "、".join(who(s.user) for s in getattr(obj, "open_sessions", []))
        if not names:
            return obj.title
        return format_html('{}<br><small class="editing-now">{}：{}</small>', obj.title, _("open by"), names)

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
            context["others_editing"] = others = [
                {"name": who(s.user), "since": timezone.localtime(s.opened_at)}
                for s in selectors.others_editing(article_id=obj.pk, user=request.user)
            ]
            context["others_names"] = _(", ").join(o["name"] for o in others)
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
                # What the page says as others open or save the article (%(names)s, %(since)s, %(changes)s).
                "says": {
                    "others": str(_("%(names)s also opened this article (since %(since)s): talk before you save.")),
                    "changes": str(
                        _(
                            "Saved since you opened it: %(changes)s. Saving now will be refused; what you "
                            "typed stays in the form."
                        )
                    ),
                    "and": str(_(", ")),
                    "then": str(_("; ")),
                },
            }
        context["block_labels"] = {
            "drag": _("Drag to move this block"),
            "up": _("Move this block up"),
            "down": _("Move this block down"),
            # A page past what the server reads at once is stopped before it is sent, not lost.
            "max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            "too_big": str(
                _(
                    "This page holds %(size)s MB of text; at most %(most)s MB can be saved at once. Nothing was "
                    "sent and nothing is lost: shorten or split the longest blocks, then save again."
                )
            ),
            # The paragraph editor's buttons say these in English (it translates only its dialogs).
            "editor": {
                "bold": _("Bold"),
                "italic": _("Italic"),
                "subscript": _("Subscript"),
                "superscript": _("Superscript"),
                "insert link": _("Insert link"),
                "remove link": _("Remove link"),
                "undo": _("Undo"),
                "redo": _("Redo"),
            },
        }
        # The paragraph editor's import map is an inline script: it carries this page's CSP nonce.
        context["media"] = EditorMedia.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def delete_model(self, request, obj):
        services.article_delete(article_id=obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            services.article_delete(article_id=article.pk, by=request.user)
