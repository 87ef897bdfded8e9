"""The change stream in the admin: what is pending, what keeps failing, and a retry."""

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outbox
from .models import ConsumerWork, OutboxEvent


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("failing", _("failing")), ("pending", _("pending")), ("done", _("done"))]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(done_at__isnull=True).exclude(last_error="")
        if self.value() == "pending":
            return queryset.filter(done_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(done_at__isnull=False)
        return queryset


class ReadOnly(admin.ModelAdmin):
    """Written by the change stream only: people read these, retry them, never edit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnly):
    list_display = ["id", "type", "subject", "created_at", "state", "attempts", "next_attempt_at", "error"]
    list_filter = [StateFilter, "type"]
    search_fields = ["subject", "type", "last_error"]
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["retry_now"]
    list_per_page = 50
    show_full_result_count = False  # the table grows with every change; counting it is slow

    @admin.display(description=_("state"))
    def state(self, obj: OutboxEvent) -> str:
        if obj.done_at:
            return str(_("done"))
        return str(_("failing")) if obj.last_error else str(_("pending"))

    @admin.display(description=_("last error"))
    def error(self, obj: OutboxEvent) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Retry the selected events now"))
    def retry_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        outbox.retry_now(event_ids=ids)
        count = len(ids)
        outbox.relay(ids=ids)
        done = OutboxEvent.objects.filter(pk__in=ids, done_at__isnull=False).count()
        self.message_user(
            request,
            ngettext(
                "%(count)d event retried, %(done)d now done.", "%(count)d events retried, %(done)d now done.", count
            )
            % {"count": count, "done": done},
            messages.SUCCESS if done == count else messages.WARNING,
        )

    def changelist_view(self, request, extra_context=None):
        failing = OutboxEvent.objects.filter(done_at__isnull=True).exclude(last_error="")
        count = failing.count()
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d change event keeps failing; readers may see old content until it passes.",
                    "%(count)d change events keep failing; readers may see old content until they pass.",
                    count,
                )
                % {"count": count},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(ConsumerWork)
class ConsumerWorkAdmin(ReadOnly):
    """What each consumer still owes: failing work with its error, quarantined work waiting for a
    person. Retrying makes it due at once and relays it; one failing again is quarantined again."""

    list_display = ["event_link", "consumer_name", "subject", "state", "attempts", "next_attempt_at", "error"]
    list_filter = ["state", "consumer"]
    search_fields = ["subject", "consumer", "last_error"]
    readonly_fields = [f.name for f in ConsumerWork._meta.fields]
    list_select_related = ["event"]
    actions = ["retry_now"]
    list_per_page = 50

    @admin.display(description=_("event"), ordering="event_id")
    def event_link(self, obj: ConsumerWork) -> str:
        return f"#{obj.event_id} {obj.event.type}"

    @admin.display(description=_("consumer"), ordering="consumer")
    def consumer_name(self, obj: ConsumerWork) -> str:
        """Its name, with what it reacts to on hover (portal/consumers.py declares both)."""
        declared = outbox.consumers().get(obj.consumer)
        return format_html('<span title="{}">{}</span>', declared.reacts_to if declared else "", obj.consumer)

    @admin.display(description=_("last error"))
    def error(self, obj: ConsumerWork) -> str:
        return obj.last_error[:160]

    def _retry(self, request, work_ids: list[int]) -> None:
        count = outbox.retry_now(work_ids=work_ids)
        events = set(ConsumerWork.objects.filter(pk__in=work_ids).values_list("event_id", flat=True))
        outbox.relay(ids=events)
        left = ConsumerWork.objects.filter(pk__in=work_ids).count()
        self.message_user(
            request,
            ngettext(
                "%(count)d piece of work retried, %(done)d now done.",
                "%(count)d pieces of work retried, %(done)d now done.",
                count,
            )
            % {"count": count, "done": count - left},
            messages.SUCCESS if not left else messages.WARNING,
        )

    @admin.action(description=_("Retry the selected work now"))
    def retry_now(self, request, queryset):
        self._retry(request, list(queryset.values_list("pk", flat=True)))

    def get_urls(self):
        retry = path(
            "<int:work_id>/retry/", self.admin_site.admin_view(self.retry_view), name="core_consumerwork_retry"
        )
        return [retry, *super().get_urls()]

    def retry_view(self, request, work_id: int):
        """The desk's retry button: POST only, by those who may view this list."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        work = get_object_or_404(ConsumerWork, pk=work_id)
        self._retry(request, [work.pk])
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("admin:core_consumerwork_changelist")
        return HttpResponseRedirect(back)
