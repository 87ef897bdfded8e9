"""The change stream: every change the public can see, recorded with the change itself."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """One change, written in the transaction that made it and handed to every consumer after commit.

    `subject` names what changed (`article:42`); `keys` are the surrogate keys the change affects
    (`article-42 list section-3`). Each consumer's handling of the event is a `ConsumerWork` row
    until it is done; `done_at` is set once no consumer has work left on it.
    """

    type = models.CharField(_("type"), max_length=50)
    subject = models.CharField(_("subject"), max_length=100)
    keys = models.JSONField(_("keys"), default=list, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # The W3C trace context of the request that made the change (when tracing is on), so its
    # consumers join that trace wherever and whenever the relay hands it over.
    trace_context = models.CharField(_("trace context"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        indexes = [
            # The relay reads only what is pending; done events are only pruned.
            models.Index(fields=["id"], condition=Q(done_at__isnull=True), name="outbox_pending"),
            models.Index(fields=["subject", "id"], condition=Q(done_at__isnull=True), name="outbox_pending_subject"),
            models.Index(fields=["done_at"], name="outbox_done_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.subject}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ConsumerWork(models.Model):
    """One consumer's work on one event, from the event's commit until the consumer has done it.

    Each consumer keeps its own position this way: one failing on an event holds back no other
    consumer, and (for consumers of a subject's current state) no later event of the subject,
    whose success supersedes this row. A row that keeps failing is quarantined: it waits for a
    person's retry, shown on the desk's front page.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        QUARANTINED = "quarantined", _("quarantined")

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="work", verbose_name=_("event"))
    consumer = models.CharField(_("consumer"), max_length=60)
    subject = models.CharField(_("subject"), max_length=100)  # the event's, so supersession reads one table
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)  # empty: due now
    last_error = models.TextField(_("last error"), blank=True)
    quarantined_at = models.DateTimeField(_("quarantined at"), null=True, blank=True)

    class Meta:
        ordering = ["event_id", "consumer"]
        verbose_name = _("consumer work")
        verbose_name_plural = _("consumer work")
        constraints = [models.UniqueConstraint(fields=["event", "consumer"], name="consumer_work_once")]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="consumer_work_due"),
            models.Index(fields=["consumer", "subject", "event"], name="consumer_work_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer} #{self.event_id}"
