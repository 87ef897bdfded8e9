"""What happened to an article: its revisions, and who has it open now."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .article import Article


class Revision(models.Model):
    """What the article was after one save through the services: every field, the body and who saved it.

    `data` is a self-contained snapshot (names as well as ids), so an old revision still reads
    correctly after a tag, author or photo it named has gone; restoring feeds it back through
    `article_update`, so the usual rules (sanitising, rights, slug freeze) apply.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        RESTORED = "restored", _("restored")
        SUBMITTED = "submitted", _("submitted")
        SCHEDULED = "scheduled", _("scheduled")
        UNSCHEDULED = "unscheduled", _("schedule cancelled")
        PUBLISHED = "published", _("published")
        UNPUBLISHED = "unpublished", _("unpublished")
        CORRECTED = "corrected", _("correction added")

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("number"))
    version = models.PositiveIntegerField(_("version"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    restored_from = models.PositiveIntegerField(_("restored from"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("saved at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField(_("content"))

    class Meta:
        ordering = ["article", "number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            # Also the index of an article's revision list, newest first, however many there are.
            models.UniqueConstraint(fields=["article", "number"], name="revision_unique_number"),
        ]
        # Retention finds the articles with revisions past the window without reading the rest.
        indexes = [models.Index(fields=["created_at", "article"], name="revision_created")]

    def __str__(self) -> str:
        return f"#{self.number} {self.get_action_display()}"


class EditSession(models.Model):
    """Someone has the article open in the admin: a soft lock that lapses unless the page keeps it alive."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="edit_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    opened_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="edit_session_unique"),
        ]
        indexes = [models.Index(fields=["article", "seen_at"], name="edit_session_recent")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.article_id}"
