"""The workflow: one table of moves between states, and the services that make them."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.i18n import site_language

from ..models import Article, Revision, StatusChange
from ..preview import preview_links_revoke
from .changes import record_change
from .errors import ArticleStateError
from .revisions import record_revision

# --- transitions ------------------------------------------------------------

_S = Article.Status


@dataclass(frozen=True)
class Transition:
    """One move of the workflow: the states it starts from, where it ends, who may make it."""

    name: str
    sources: tuple[str, ...]
    target: str
    editors_only: bool = True
    # Only while the article is not yet public (a schedule whose second has passed is public).
    before_public: bool = False

    def allows(self, article: Article) -> bool:
        return article.status in self.sources and not (self.before_public and article.is_published)


# The one table of the workflow: the services enforce it, the API answers by it (403 for who,
# 409 for the state), and the admin offers only the buttons it allows.
TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", (_S.DRAFT,), _S.REVIEW, editors_only=False),
        Transition("publish", (_S.DRAFT, _S.REVIEW, _S.SCHEDULED), _S.PUBLISHED),
        Transition("schedule", (_S.DRAFT, _S.REVIEW, _S.SCHEDULED), _S.SCHEDULED),
        Transition("unschedule", (_S.SCHEDULED,), _S.DRAFT, before_public=True),
        Transition("unpublish", (_S.PUBLISHED, _S.SCHEDULED), _S.ARCHIVED),
    )
}

# What each move answers when the state does not allow it, and when the mover may not make it.
_REFUSED = {
    "submit": gettext_lazy("Only drafts can be submitted; this article is %(status)s."),
    "publish": gettext_lazy("An article that is %(status)s cannot be published."),
    "schedule": gettext_lazy("An article that is %(status)s cannot be scheduled."),
    "unschedule": gettext_lazy("Only a schedule that has not gone out can be cancelled."),
    "unpublish": gettext_lazy("An article that is %(status)s cannot be unpublished."),
}
_EDITORS_ONLY = {
    "publish": gettext_lazy("Only editors can publish articles."),
    "schedule": gettext_lazy("Only editors can schedule articles."),
    "unschedule": gettext_lazy("Only editors can cancel a schedule."),
    "unpublish": gettext_lazy("Only editors can unpublish articles."),
}


def _may_move(transition: Transition, article: Article, by: User) -> bool:
    if roles.is_editor(by):
        return True
    # A writer moves only their own articles, and only where the table lets writers.
    return not transition.editors_only and roles.is_writer(by) and article.created_by_id == by.pk


def transition_allowed(name: str, article: Article, by: User) -> bool:
    """Whether `by` may make this move now (what the admin's buttons show)."""
    transition = TRANSITIONS[name]
    return _may_move(transition, article, by) and transition.allows(article)


def _check_mover(name: str, article: Article, by: User) -> None:
    transition = TRANSITIONS[name]
    if not _may_move(transition, article, by):
        if transition.editors_only:
            raise PermissionDenied(str(_EDITORS_ONLY[name]))
        raise PermissionDenied(_("Writers can move only their own articles."))


def _check_transition(name: str, article: Article, by: User) -> Transition:
    """Who first (PermissionDenied, 403), then the state (ArticleStateError, 409)."""
    transition = TRANSITIONS[name]
    _check_mover(name, article, by)
    if not transition.allows(article):
        message = str(_REFUSED[name])
        if "%(status)s" in message:
            message %= {"status": article.get_status_display()}
        raise ArticleStateError(message, status=article.status)
    return transition


_ACTION_FOR_STATUS: dict[str, str] = {
    Article.Status.REVIEW: Revision.Action.SUBMITTED,
    Article.Status.PUBLISHED: Revision.Action.PUBLISHED,
    Article.Status.SCHEDULED: Revision.Action.SCHEDULED,
    Article.Status.DRAFT: Revision.Action.UNSCHEDULED,
    Article.Status.ARCHIVED: Revision.Action.UNPUBLISHED,
}


def _transition(article: Article, *, by: User, status: str, extra_fields: Sequence[str] = ()) -> Article:
    was_public = article.is_published
    StatusChange.objects.create(article=article, from_status=article.status, to_status=status, by=by)
    article.status = status
    article.version = models.F("version") + 1
    article.updated_by = by
    article.updated_at = timezone.now()
    article.save(update_fields=["status", "version", "updated_by", "updated_at", *extra_fields])
    article.refresh_from_db(fields=["version"])
    record_revision(article.pk, by=by, action=_ACTION_FOR_STATUS[status])
    record_change(article, was_public=was_public)
    return article


@transaction.atomic
def article_submit(*, article_id: int, by: User) -> Article:
    """A writer hands a draft to the editors."""
    article = Article.objects.select_for_update().get(pk=article_id)
    return _transition(article, by=by, status=_check_transition("submit", article, by).target)


@transaction.atomic
def article_publish(*, article_id: int, by: User) -> Article:
    """Publish now. Derived work is announced only once the commit succeeds."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _check_transition("publish", article, by)
    now = timezone.now()
    article.published_at = now
    if article.first_published_at is None:
        article.first_published_at = now
    return _transition(
        article, by=by, status=Article.Status.PUBLISHED, extra_fields=["published_at", "first_published_at"]
    )


def schedule_time_check(at: datetime | None) -> None:
    """A schedule is a time in the future, and not so far that it is surely a typo of the year."""
    now = timezone.now()
    if at is None or at <= now:
        raise ValidationError(
            {"at": [_("Give a time in the future, with its offset (e.g. 2026-12-01T08:00:00+08:00).")]}
        )
    if at > now + timedelta(days=settings.SCHEDULE_MAX_DAYS_AHEAD):
        raise ValidationError(
            {
                "at": [
                    _("That is more than %(days)d days ahead; check the year.")
                    % {"days": settings.SCHEDULE_MAX_DAYS_AHEAD}
                ]
            }
        )


@transaction.atomic
def article_schedule(*, article_id: int, by: User, at: datetime) -> Article:
    """Publish at `at`, to the second: public reads treat a passed schedule as published, so
    nothing waits for a worker; `publish_due` then flips the state and runs the effects once."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _check_mover("schedule", article, by)
    schedule_time_check(at)
    _check_transition("schedule", article, by)
    article.published_at = at
    return _transition(article, by=by, status=Article.Status.SCHEDULED, extra_fields=["published_at"])


@transaction.atomic
def article_unschedule(*, article_id: int, by: User) -> Article:
    """Cancel a schedule that has not gone out: the article is a draft again."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _check_transition("unschedule", article, by)
    article.published_at = None
    return _transition(article, by=by, status=Article.Status.DRAFT, extra_fields=["published_at"])


def publish_due(*, now: datetime | None = None) -> list[int]:
    """Flip every scheduled article whose time has come to published, each exactly once.

    Each row is locked and its state checked again inside its own transaction, so two
    runs at once (two workers, or the command beside beat) publish and announce it once;
    a run killed midway rolls back and the next run does it.
    """
    now = now or timezone.now()
    due = list(
        Article.objects.filter(status=Article.Status.SCHEDULED, published_at__lte=now)
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)
    )
    published = []
    for article_id in due:
        with transaction.atomic():
            article = (
                Article.objects.select_for_update(skip_locked=True)
                .filter(pk=article_id, status=Article.Status.SCHEDULED, published_at__lte=now)
                .first()
            )
            if article is None:
                continue  # another run has it, or it was changed meanwhile
            StatusChange.objects.create(article=article, from_status=article.status, to_status="published", by=None)
            article.status = Article.Status.PUBLISHED
            fields = ["status"]
            if article.first_published_at is None:
                article.first_published_at = article.published_at
                fields.append("first_published_at")
            article.save(update_fields=fields)
            with site_language():
                note = _("Published on schedule.")
            record_revision(article_id, by=None, action=Revision.Action.PUBLISHED, note=note)

            record_change(article, was_public=False)
            published.append(article_id)
    return published


@transaction.atomic
def article_unpublish(*, article_id: int, by: User) -> Article:
    """Take a published article down; it is kept as archived."""
    article = Article.objects.select_for_update().get(pk=article_id)
    article = _transition(article, by=by, status=_check_transition("unpublish", article, by).target)
    # A retraction revokes every preview link of the article: a pulled story is read by nobody.
    preview_links_revoke(article_id=article.pk, by=by)
    return article
