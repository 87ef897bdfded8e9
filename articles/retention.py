"""Revision retention: every revision for REVISION_KEEP_ALL_DAYS, then one a day.

A newsroom saves a breaking story hundreds of times; years later nobody needs each save,
but the state at the end of each day, every published state and the latest one remain the
article's history. Run daily by beat and by `manage.py revisions_prune`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Revision

# States the public saw: never thinned out.
PUBLIC_ACTIONS = (Revision.Action.PUBLISHED, Revision.Action.CORRECTED)


@dataclass
class Pruned:
    articles: int = 0
    deleted: int = 0


def revisions_to_delete(rows: list[tuple[int, int, datetime, str]], *, latest: int) -> list[int]:
    """Of one article's old revisions `(id, number, created_at, action)`, the ids to delete:
    all but the last of each day (in the site's time zone), the published ones and the
    article's latest revision (`latest` is its number)."""
    last_of_day: dict[object, tuple[int, int]] = {}
    for revision_id, number, created_at, _action in rows:
        day = timezone.localtime(created_at).date()
        if day not in last_of_day or number > last_of_day[day][1]:
            last_of_day[day] = (revision_id, number)
    kept = {revision_id for revision_id, _ in last_of_day.values()}
    return [
        revision_id
        for revision_id, number, _created_at, action in rows
        if revision_id not in kept and number != latest and action not in PUBLIC_ACTIONS
    ]


def revisions_prune(*, now: datetime | None = None, batch: int = 500) -> Pruned:
    """Thin out revisions older than REVISION_KEEP_ALL_DAYS; each article in its own short
    transaction, so editors saving meanwhile never wait long."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REVISION_KEEP_ALL_DAYS)
    result = Pruned()
    after = 0
    while True:
        # Articles with old revisions, in id order (the created_at index finds them).
        article_ids = list(
            Revision.objects.filter(created_at__lt=cutoff, article_id__gt=after)
            .order_by("article_id")
            .values_list("article_id", flat=True)
            .distinct()[:batch]
        )
        if not article_ids:
            return result
        for article_id in article_ids:
            with transaction.atomic():
                latest = (
                    Revision.objects.filter(article_id=article_id)
                    .order_by("-number")
                    .values_list("number", flat=True)
                    .first()
                )
                rows = list(
                    Revision.objects.filter(article_id=article_id, created_at__lt=cutoff)
                    .order_by("number")
                    .values_list("id", "number", "created_at", "action")
                )
                doomed = revisions_to_delete(rows, latest=latest)
                if doomed:
                    Revision.objects.filter(pk__in=doomed).delete()
                    result.deleted += len(doomed)
            result.articles += 1
        after = article_ids[-1]
