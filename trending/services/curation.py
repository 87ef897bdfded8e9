"""What editors do to the rails: pins and exclusions, each followed by a refresh."""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article, Section
from core import announce, outbox, roles

from ..models import Exclusion, Pin

logger = logging.getLogger(__name__)


def _refresh_soon() -> None:
    from ..tasks import trending_refresh_task

    announce.enqueue_after_commit(trending_refresh_task, otherwise="the schedule will pick the change up")


@transaction.atomic
def pin_create(
    *,
    article: Article,
    rail: str,
    position: int,
    by: User,
    section: Section | None = None,
    until: datetime | None = None,
) -> Pin:
    """Hold `article` at `position`; a pin already there, or of the same article, is replaced."""
    roles.require_editor(by, _("Only editors can change the trending rails."))
    config = settings.TRENDING_RAILS.get(rail)
    errors: dict[str, list[str]] = {}
    if config is None:
        errors["rail"] = [_("Unknown rail; use one of %(rails)s.") % {"rails": ", ".join(settings.TRENDING_RAILS)}]
    elif not 1 <= position <= config["size"]:
        errors["position"] = [_("Give a position from 1 to %(most)d.") % {"most": config["size"]}]
    if until is not None and until <= timezone.now():
        errors["until"] = [_("The end time must be in the future.")]
    if not article.is_published:
        errors["article"] = [_("Only a published article can be pinned.")]
    if errors:
        raise ValidationError(errors)
    Pin.objects.filter(rail=rail, section=section, position=position).delete()
    Pin.objects.filter(rail=rail, section=section, article=article).delete()
    pin = Pin.objects.create(article=article, rail=rail, section=section, position=position, until=until, created_by=by)
    _refresh_soon()
    return pin


@transaction.atomic
def pin_delete(*, pin: Pin, by: User) -> None:
    roles.require_editor(by, _("Only editors can change the trending rails."))
    pin.delete()
    _refresh_soon()


@transaction.atomic
def exclusion_create(*, article: Article, by: User, until: datetime | None = None, reason: str = "") -> Exclusion:
    roles.require_editor(by, _("Only editors can change the trending rails."))
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": [_("The end time must be in the future.")]})

    exclusion = Exclusion.objects.create(article=article, until=until, reason=reason.strip()[:200], created_by=by)
    # The rail drops it at once (trending.retraction), the refresh fills its place.
    outbox.record(
        type="exclusion.created", subject=f"exclusion:{article.pk}", keys=["trending"], data={"id": article.pk}
    )
    _refresh_soon()
    return exclusion


@transaction.atomic
def exclusion_delete(*, exclusion: Exclusion, by: User) -> None:
    roles.require_editor(by, _("Only editors can change the trending rails."))
    exclusion.delete()
    _refresh_soon()
