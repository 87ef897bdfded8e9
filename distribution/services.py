"""What a change does to feeds and sitemaps: the keys of the answers it reaches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Endpoint

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from core import roles
from core.models import OutboxEvent

FEED, SITEMAP = "feed", "sitemap"


def keys_consumer(event: OutboxEvent) -> None:
    """Outbox consumer: name the feeds and sitemaps a public article change reaches.

    Feeds carry their articles' keys and `list`, as list pages do, so an edit reaches the feeds
    showing the article and a move between lists (`list`, added by the documents consumer)
    reaches every feed. Sitemaps list every public article with its last change, so every
    public article event reaches them (`sitemap`); `feed` names feeds and sitemaps together.
    """
    kind, _dot, _action = event.type.partition(".")
    if kind != "article" or event.type == "article.edited":
        return  # a draft's change is seen by no feed or sitemap
    keys = set(event.keys) | {SITEMAP}
    if "list" in keys:
        keys.add(FEED)
    event.keys = sorted(keys)


# --- webhook endpoints ----------------------------------------------------------------------------


def _clean(url: str, events: list[str]) -> None:
    from django.core.exceptions import ValidationError

    from . import outbound
    from .models import EVENT_TYPES

    errors = {}
    try:
        outbound.check_destination(url)
    except outbound.AddressRefused as error:
        errors["url"] = [str(error)]
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown or not events:
        choose = _("Choose event types among %(types)s.") % {"types": ", ".join(EVENT_TYPES)}
        if unknown:
            choose += " " + _("Unknown: %(types)s.") % {"types": ", ".join(unknown)}
        errors["events"] = [choose]
    if errors:
        raise ValidationError(errors)


def endpoint_create(*, by: User, url: str, events: list[str], active: bool = True, description: str = "") -> Endpoint:
    from .models import Endpoint

    roles.require_editor(by, _("Only editors manage webhooks."))
    _clean(url, events)
    return Endpoint.objects.create(
        url=url, events=list(dict.fromkeys(events)), active=active, description=description, created_by=by
    )


def endpoint_update(*, endpoint: Endpoint, by: User, **fields: Any) -> Endpoint:
    """Change url, events, active or description; turning an endpoint on clears its flags."""
    roles.require_editor(by, _("Only editors manage webhooks."))
    url = fields.get("url", endpoint.url)
    events = fields.get("events", endpoint.events)
    _clean(url, events)
    for name in ("url", "description", "active"):
        if name in fields:
            setattr(endpoint, name, fields[name])
    endpoint.events = list(dict.fromkeys(events))
    if fields.get("active"):
        endpoint.failing_since, endpoint.disabled_reason = None, ""
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: Endpoint, by: User) -> Endpoint:
    """A new secret, shown once; the old one keeps signing beside it for WEBHOOK_ROTATION_HOURS."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from .models import new_secret

    roles.require_editor(by, _("Only editors manage webhooks."))
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = timezone.now() + timedelta(hours=settings.WEBHOOK_ROTATION_HOURS)
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return endpoint
