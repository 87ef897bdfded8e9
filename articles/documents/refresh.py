"""Documents rendered anew by the workers, never by a reader.

A document's related articles age (new articles appear on its tags), and what it embeds may
change elsewhere (an author's name, a section's). Neither makes its bytes wrong, only dated, so
no reader waits for them: the document is due again at its `refresh_at` (soon for a new article,
rarely for an old one) or at once when marked (`mark_due`), and `documents_refresh` renders the
due ones in batches, oldest due first, in the background (beat every minute, and right after a
change marks some). Each batch that changed what readers get is announced on the change stream
(`documents.refreshed`, the changed articles' keys), so the answer caches and the CDN purge them.

What does make bytes wrong (a photo's rights running out, a scheduled article going out) is the
document's `valid_until`, and the read path renders past it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import announce, locks, outbox

from ..models import Document
from .render import documents_render

logger = logging.getLogger(__name__)

# What a marked document's `refresh_at` is set to: before any real one, so marked ones go first.
MARKED = datetime(2000, 1, 1, tzinfo=UTC)
BATCH = 200
EVENT = "documents.refreshed"


def mark_due(article_ids: Iterable[int]) -> None:
    """Have these documents rendered anew by the workers, first in line; readers keep getting the
    stored bytes meanwhile. The refresh is asked for once the caller's transaction commits."""
    ids = list(article_ids)
    if not ids:
        return
    Document.objects.filter(article_id__in=ids).update(refresh_at=MARKED)
    from ..tasks import documents_refresh_task

    announce.enqueue_after_commit(documents_refresh_task, otherwise="beat runs the refresh within a minute")


def _fingerprints(article_ids: list[int]) -> dict[int, bytes]:
    """What readers get from each stored document, as a digest (to tell which ones a render changed)."""
    found = {}
    for article_id, *parts in Document.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "detail_head", "detail_tail", "item_head", "item_tail"
    ):
        digest = hashlib.blake2b(digest_size=16)
        for part in parts:
            digest.update(bytes(part))
            digest.update(b"\0")
        found[article_id] = digest.digest()
    return found


def _refresh(article_ids: list[int], now: datetime) -> None:
    before = _fingerprints(article_ids)
    with transaction.atomic():
        documents_render(article_ids, now=now)
        after = _fingerprints(article_ids)
        changed = sorted(i for i in article_ids if before.get(i) != after.get(i))
        if changed:
            outbox.record(type=EVENT, subject="documents", keys=[f"article-{i}" for i in changed])


def documents_refresh(*, seconds: float | None = None, batch: int = BATCH, now: datetime | None = None) -> int:
    """Render the due documents, oldest due first, for up to `seconds` (a batch is never cut);
    how many were rendered. One run at a time: another that finds it running returns 0."""
    budget = settings.DOCUMENT_REFRESH_RUN_SECONDS if seconds is None else seconds
    started = time.monotonic()
    done = 0
    with locks.held("documents-refresh") as mine:
        if not mine:
            return 0
        while True:
            moment = now or timezone.now()
            due = list(
                Document.objects.filter(refresh_at__lte=moment)
                .order_by("refresh_at", "article_id")
                .values_list("article_id", flat=True)[:batch]
            )
            if not due:
                break
            try:
                _refresh(due, moment)
            except Exception:  # one article that cannot render must not hold back the rest
                logger.exception("documents_refresh: a batch failed; rendering its documents one by one")
                for article_id in due:
                    try:
                        _refresh([article_id], moment)
                    except Exception:
                        logger.exception("documents_refresh: the document of article %s did not render", article_id)
                        later = moment + timedelta(seconds=settings.DOCUMENT_REFRESH_SECONDS)
                        Document.objects.filter(article_id=article_id).update(refresh_at=later)
            done += len(due)
            if len(due) < batch or time.monotonic() - started >= budget:
                break
    if done:
        logger.info("documents_refresh: %d documents rendered anew", done)
    return done
