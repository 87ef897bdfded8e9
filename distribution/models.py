"""Webhook endpoints editors subscribe, and every delivery and attempt made to them."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EVENT_TYPES = (
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.deleted",
    "image.rights_expired",
)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    """A receiver: where to send, which event types, and the secret the signatures are made with.

    During a rotation the previous secret stays valid until `previous_secret_until`, and every
    delivery carries a signature by each, so receivers can switch without missing one.
    """

    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("event types"), default=list)
    active = models.BooleanField(_("active"), default=True)
    secret = models.CharField(_("secret"), max_length=100, default=new_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when a delivery used its last attempt, or the receiver answered 410 (then inactive too).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_reason = models.CharField(_("disabled because"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.description or self.url

    def secrets_in_use(self, now=None) -> list[str]:
        now = now or timezone.now()
        found = [self.secret]
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            found.append(self.previous_secret)
        return found


class Delivery(models.Model):
    """One event for one endpoint. Its `message_id` is the `webhook-id` of every attempt, so a
    receiver can tell a retry (or a replay) from a new event.

    Deliveries of one subject (`article:42`) reach an endpoint in order: a delivery is
    superseded (kept, never sent) once the endpoint has a newer one of the same subject, and a
    newer one waits while an older one is on its way."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")  # every attempt used
        SUPERSEDED = "superseded", _("superseded")  # a newer event of its subject went instead

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField(_("change event"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=100, blank=True, default="")
    message_id = models.CharField(_("webhook-id"), max_length=40, unique=True)
    type = models.CharField(_("type"), max_length=50)
    payload = models.BinaryField(_("payload"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Taken by a worker until then; a worker killed mid-attempt lets it go when this passes.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(_("last response"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="delivery_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="delivery_pending_due"),
            models.Index(fields=["endpoint", "-id"], name="delivery_endpoint_recent"),
            models.Index(fields=["endpoint", "subject", "event_id"], name="delivery_subject_order"),
        ]

    def __str__(self) -> str:
        return f"{self.type} → {self.endpoint_id} ({self.message_id})"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    response_code = models.PositiveSmallIntegerField(_("response"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"#{self.number} {self.response_code or self.error}"


class PendingPurge(models.Model):
    """A surrogate key waiting to be purged from the CDN: changes add keys (one row per key, so a
    burst of edits purges each key once), a worker sends them in batches after a short window.
    `queued_at` moves on every new change, so a key changed again while it was being sent stays."""

    key = models.CharField(_("key"), max_length=500, unique=True)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        db_table = "core_pendingpurge"  # made by core before the queue moved here (migration 0004)
        ordering = ["next_attempt_at"]
        verbose_name = _("pending CDN purge")
        verbose_name_plural = _("pending CDN purges")

    def __str__(self) -> str:
        return self.key
