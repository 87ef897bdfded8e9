"""Webhooks in the admin: endpoints (a failing one stands out), their deliveries and every
attempt, secret rotation and replays. Changes go through `services` / `delivery`, as the API's do."""

from __future__ import annotations

from datetime import timedelta

import orjson
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core import roles

from . import delivery as deliveries
from . import services
from .models import EVENT_TYPES, Attempt, Delivery, Endpoint, PendingPurge


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("event types"), choices=[(t, t) for t in EVENT_TYPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "active"]

    def clean_url(self):
        from . import outbound

        url = self.cleaned_data["url"]
        try:
            outbound.check_destination(url)
        except outbound.AddressRefused as error:
            raise ValidationError(str(error)) from error
        return url


class FailingFilter(admin.SimpleListFilter):
    title = _("health")
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return [("failing", _("failing or disabled")), ("ok", _("healthy"))]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(failing_since__isnull=False)
        if self.value() == "ok":
            return queryset.filter(failing_since__isnull=True)
        return queryset


class _EditorsOnly:
    def has_module_permission(self, request):
        return roles.is_editor(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.is_editor(request.user)


@admin.register(Endpoint)
class EndpointAdmin(_EditorsOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "event_list", "active", "health", "created_at"]
    list_filter = ["active", FailingFilter]
    search_fields = ["url", "description"]
    readonly_fields = ["failing_since", "disabled_reason", "created_at"]
    actions = ["rotate_secret", "replay_last_day"]

    def has_add_permission(self, request):
        return roles.is_editor(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.is_editor(request.user)

    def has_delete_permission(self, request, obj=None):
        return roles.is_editor(request.user)

    @admin.display(description=_("event types"))
    def event_list(self, obj: Endpoint) -> str:
        return ", ".join(obj.events)

    @admin.display(description=_("health"))
    def health(self, obj: Endpoint):
        if obj.disabled_reason:
            return format_html('<strong style="color:#ba2121">{}</strong>', obj.disabled_reason)
        if obj.failing_since:
            return format_html('<strong style="color:#ba2121">{} {}</strong>', _("failing since"), obj.failing_since)
        return _("healthy")

    def save_model(self, request, obj: Endpoint, form, change):
        data = {k: form.cleaned_data[k] for k in ("url", "description", "events", "active")}
        try:
            if change:
                services.endpoint_update(endpoint=obj, by=request.user, **data)
            else:
                created = services.endpoint_create(by=request.user, **data)
                obj.pk, obj.secret = created.pk, created.secret
                self.message_user(
                    request,
                    format_html(
                        "{} <code>{}</code>",
                        _("Give the receiver this signing secret; it is shown only once:"),
                        obj.secret,
                    ),
                    messages.WARNING,
                )
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)

    @admin.action(description=_("Rotate the signing secret (the old one signs too for a day)"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            rotated = services.endpoint_rotate_secret(endpoint=endpoint, by=request.user)
            self.message_user(
                request,
                format_html("{}: <code>{}</code>", rotated.url, rotated.secret),
                messages.WARNING,
            )

    @admin.action(description=_("Send again everything of the last 24 hours"))
    def replay_last_day(self, request, queryset):
        since = timezone.now() - timedelta(hours=24)
        with transaction.atomic():
            count = sum(deliveries.replay_since(endpoint, since) for endpoint in queryset)
        self.message_user(request, _("%(count)d deliveries queued.") % {"count": count}, messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = Attempt
    fields = ["number", "started_at", "response_code", "latency_ms", "error", "next_attempt_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(_EditorsOnly, admin.ModelAdmin):
    list_display = [
        "message_id",
        "endpoint",
        "type",
        "status",
        "attempts",
        "last_response_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "type", "endpoint"]
    search_fields = ["message_id", "endpoint__url"]
    readonly_fields = [
        "endpoint",
        "message_id",
        "type",
        "status",
        "attempts",
        "last_response_code",
        "next_attempt_at",
        "created_at",
        "body",
    ]
    exclude = ["payload", "leased_until", "event_id"]
    inlines = [AttemptInline]
    actions = ["replay"]
    list_select_related = ["endpoint"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("payload"))
    def body(self, obj: Delivery):
        pretty = orjson.dumps(orjson.loads(bytes(obj.payload)), option=orjson.OPT_INDENT_2).decode()
        return format_html("<pre>{}</pre>", pretty)

    @admin.action(description=_("Send again now (same webhook-id)"))
    def replay(self, request, queryset):
        with transaction.atomic():
            for found in queryset:
                deliveries.replay(found)
        self.message_user(request, _("%(count)d deliveries queued.") % {"count": queryset.count()}, messages.SUCCESS)


@admin.register(PendingPurge)
class PendingPurgeAdmin(admin.ModelAdmin):
    """What the CDN has yet to drop; a key failing again and again shows its error here."""

    list_display = ["key", "queued_at", "attempts", "next_attempt_at", "last_error"]
    search_fields = ["key", "last_error"]
    readonly_fields = [f.name for f in PendingPurge._meta.fields]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
