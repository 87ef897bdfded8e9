"""Editors' hands on the rail (pins, exclusions), the published snapshots, and the database store."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Pin(models.Model):
    """An article held at a position of a rail until an optional end time."""

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    rail = models.CharField(_("rail"), max_length=20, default="now")
    section = models.ForeignKey(
        "articles.Section",
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Blank: the site-wide rail."),
    )
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("1 is the top of the rail."))
    until = models.DateTimeField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pinned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("pinned at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["rail", "section", "position"]
        verbose_name = _("pin")
        verbose_name_plural = _("pins")
        constraints = [
            models.UniqueConstraint(
                fields=["rail", "section", "position"], name="pin_one_per_position", nulls_distinct=False
            ),
            models.UniqueConstraint(
                fields=["rail", "section", "article"], name="pin_article_once_per_rail", nulls_distinct=False
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="pin_position_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.rail} #{self.position}: {self.article}"


class Exclusion(models.Model):
    """An article kept off every rail until an optional end time."""

    article = models.ForeignKey(
        "articles.Article", verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    until = models.DateTimeField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("excluded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("excluded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")

    def __str__(self) -> str:
        return f"{self.article} ({self.reason})" if self.reason else str(self.article)


class Snapshot(models.Model):
    """A rail as frontends see it, built by the refresh task; the rail API serves only these."""

    rail = models.CharField(max_length=20)
    section_slug = models.CharField(max_length=50, blank=True)
    generated_at = models.DateTimeField()
    items = models.JSONField(default=list)

    class Meta:
        verbose_name = _("rail snapshot")
        verbose_name_plural = _("rail snapshots")
        constraints = [models.UniqueConstraint(fields=["rail", "section_slug"], name="snapshot_one_per_rail")]

    def __str__(self) -> str:
        return f"{self.rail}/{self.section_slug or 'site'}"


# --- the database store (the embedded default; Redis replaces these in production) -------------


class StoredScore(models.Model):
    """Forward-decayed score of one article: weight * exp(lambda * (t - t0)) summed."""

    article_id = models.BigIntegerField(primary_key=True)
    section_id = models.BigIntegerField(null=True)
    score = models.FloatField(default=0)
    pending_views = models.PositiveBigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["-score"], name="stored_score_desc"),
            models.Index(fields=["section_id", "-score"], name="stored_score_section"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {self.score:.3f}"


class StoredHour(models.Model):
    """Exact views of one article in one hour, for the `today` rail."""

    article_id = models.BigIntegerField()
    section_id = models.BigIntegerField(null=True)
    hour = models.BigIntegerField()  # hours since the epoch
    views = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article_id", "hour"], name="stored_hour_unique")]
        indexes = [models.Index(fields=["hour"], name="stored_hour_hour")]

    def __str__(self) -> str:
        return f"{self.article_id}@{self.hour}: {self.views}"


class StoredSeen(models.Model):
    """A visitor already counted for an article, until `expires_at` (dedupe)."""

    key = models.CharField(max_length=64, primary_key=True)
    expires_at = models.FloatField()

    def __str__(self) -> str:
        return self.key


class StoredCap(models.Model):
    """Events one address added for one article and type, until `expires_at` (the per-address cap)."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.FloatField()

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class StoredMeta(models.Model):
    name = models.CharField(max_length=30, primary_key=True)
    value = models.FloatField()

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
