"""The rail desk: pins, exclusions, and every rail as frontends see it, with scores."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Section
from core import roles

from . import services
from .models import Exclusion, Pin, Snapshot

# The rails of settings.TRENDING_RAILS as the desk names them.
RAIL_LABELS = {"now": _("trending now"), "today": _("most read in 24 hours")}


class ActiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("in force")), ("no", _("ended"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.exclude(until__lte=now)
        if self.value() == "no":
            return queryset.filter(until__lte=now)
        return queryset


@admin.register(Pin)
class PinAdmin(admin.ModelAdmin):
    list_display = ["position", "article", "rail", "section", "until", "created_by", "created_at"]
    list_filter = [ActiveFilter, "rail", "section"]
    autocomplete_fields = ["article", "section"]
    search_fields = ["article__title"]
    fields = ["article", "rail", "section", "position", "until"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "rail":
            return forms.ChoiceField(label=db_field.verbose_name, choices=[(r, r) for r in settings.TRENDING_RAILS])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj: Pin, form, change):
        try:
            pin = services.pin_create(
                article=obj.article,
                rail=obj.rail,
                position=obj.position,
                by=request.user,
                section=obj.section,
                until=obj.until,
            )
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        obj.pk, obj._state.adding = pin.pk, False

    def delete_model(self, request, obj):
        services.pin_delete(pin=obj, by=request.user)


@admin.register(Exclusion)
class ExclusionAdmin(admin.ModelAdmin):
    list_display = ["article", "reason", "until", "created_by", "created_at"]
    list_filter = [ActiveFilter]
    autocomplete_fields = ["article"]
    search_fields = ["article__title", "reason"]
    fields = ["article", "until", "reason"]

    def save_model(self, request, obj: Exclusion, form, change):
        if change:
            services.exclusion_delete(exclusion=Exclusion.objects.get(pk=obj.pk), by=request.user)
        exclusion = services.exclusion_create(article=obj.article, by=request.user, until=obj.until, reason=obj.reason)
        obj.pk, obj._state.adding = exclusion.pk, False

    def delete_model(self, request, obj):
        services.exclusion_delete(exclusion=obj, by=request.user)


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Each rail as frontends see it; editors may rebuild them at once."""

    change_list_template = "admin/trending/snapshot/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return roles.is_staff_member(request.user)

    def has_module_permission(self, request):
        return roles.is_staff_member(request.user)

    def get_urls(self):
        return [
            path("refresh/", self.admin_site.admin_view(self.refresh_view), name="trending_refresh"),
            *super().get_urls(),
        ]

    def refresh_view(self, request):
        if request.method == "POST" and roles.is_editor(request.user):
            result = services.trending_refresh()
            if result.get("skipped"):
                self.message_user(request, _("A refresh is already running."), messages.WARNING)
            else:
                self.message_user(
                    request, _("Rails rebuilt from %(tracked)s tracked articles.") % result, messages.SUCCESS
                )
        return HttpResponseRedirect("../")

    def changelist_view(self, request, extra_context=None):
        snapshots = sorted(Snapshot.objects.all(), key=lambda s: (s.rail, s.section_slug != "", s.section_slug))
        names = dict(Section.objects.filter(slug__in={s.section_slug for s in snapshots}).values_list("slug", "name"))
        for snapshot in snapshots:  # headed as an editor says it: 实时热门 · 国际, not now · world
            snapshot.rail_label = RAIL_LABELS.get(snapshot.rail, snapshot.rail)
            snapshot.section_name = names.get(snapshot.section_slug, snapshot.section_slug)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Trending rails as readers see them"),
            "opts": self.model._meta,
            "snapshots": snapshots,
            "can_refresh": roles.is_editor(request.user),
            "stats": _stats(),
        }
        return TemplateResponse(request, self.change_list_template, context)


def _stats() -> dict:
    from .stores import StoreUnavailable, get_store

    try:
        return {"tracked": get_store().tracked(), **get_store().stats()}
    except StoreUnavailable:
        return {"error": "unavailable"}
