"""The change stream: every change the public can see, recorded with the change itself."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    """One change, written in the transaction that made it and handed to every consumer after commit.

    `subject` orders events (`article:42`): a subject's events reach consumers in id order, at
    least once. `keys` are the surrogate keys the change affects (`article-42 list section-3`).
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
