"""Who has an article open in the admin (a soft lock that lapses without a heartbeat)."""

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from ..models import EditSession

# --- who has an article open (admin soft lock) --------------------------------


def edit_session_touch(*, article_id: int, user: User, opened_version: int | None = None) -> None:
    """Say `user` has the article open now; `opened_version` is given when the page is (re)loaded."""
    now = timezone.now()
    defaults: dict[str, Any] = {"seen_at": now}
    if opened_version is not None:
        defaults.update(opened_at=now, opened_version=opened_version)
    EditSession.objects.update_or_create(article_id=article_id, user=user, defaults=defaults)
    # Lapsed sessions are only history; keep the table small.
    EditSession.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()


def edit_session_leave(*, article_id: int, user: User) -> None:
    EditSession.objects.filter(article_id=article_id, user=user).delete()
