"""Preview links: anyone holding one may read that article as a page, whatever its status.

A link is made for one version of the article and kept: the change page and the editor API
give the same link again until the article changes (then a new one, for the new version), and
editors can revoke every link of an article at once. A link expires PREVIEW_MAX_AGE_SECONDS
after it was made.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Article, PreviewLink


class PreviewExpired(Exception):
    pass


class PreviewRevoked(Exception):
    pass


class PreviewUnknown(Exception):
    """Forged, garbled, or its article deleted."""


def preview_path(link: PreviewLink) -> str:
    return reverse("article-preview", args=[link.token])


@transaction.atomic
def preview_link_for(*, article_id: int, by) -> PreviewLink:
    """The active link made for the article's current version, or a new one."""
    article = Article.objects.select_for_update().only("pk", "version").get(pk=article_id)
    now = timezone.now()
    current = (
        PreviewLink.objects.filter(
            article_id=article_id, version=article.version, revoked_at__isnull=True, expires_at__gt=now
        )
        .order_by("-created_at")
        .first()
    )
    if current is not None:
        return current
    return PreviewLink.objects.create(
        article_id=article_id,
        token=secrets.token_urlsafe(24),
        version=article.version,
        created_by=by,
        expires_at=now + timedelta(seconds=settings.PREVIEW_MAX_AGE_SECONDS),
    )


def preview_links_revoke(*, article_id: int, by) -> int:
    """Revoke every link of the article that still works; returns how many."""
    return PreviewLink.objects.filter(article_id=article_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )


def preview_open(token: str) -> PreviewLink:
    """The link a token names, if it still works."""
    link = PreviewLink.objects.filter(token=token).select_related("article").first() if len(token) <= 64 else None
    if link is None:
        raise PreviewUnknown()
    if link.revoked_at is not None:
        raise PreviewRevoked()
    if link.expires_at <= timezone.now():
        raise PreviewExpired()
    return link
