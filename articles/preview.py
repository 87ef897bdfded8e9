"""Signed, expiring preview links: anyone holding one may read that article as it stands, whatever its status."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

_SALT = "articles.preview"


class PreviewExpired(Exception):
    pass


def preview_path(article_id: int) -> tuple[str, datetime]:
    """The link's path and when it stops working."""
    token = signing.dumps(article_id, salt=_SALT, compress=False)
    expires = timezone.now() + timedelta(seconds=settings.PREVIEW_MAX_AGE_SECONDS)
    return reverse("article-preview", args=[token]), expires


def article_id_from(token: str) -> int:
    """The article a token names. Raises PreviewExpired, or signing.BadSignature when forged or garbled."""
    try:
        value = signing.loads(token, salt=_SALT, max_age=settings.PREVIEW_MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise PreviewExpired() from error
    if not isinstance(value, int) or isinstance(value, bool):
        raise signing.BadSignature("not an article id")
    return value
