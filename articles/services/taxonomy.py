"""Sections, tags, authors and outlets: the names articles are filed and credited under."""

from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import outbox, roles

from ..text import slug_from_title
from .errors import InUse

# --- taxonomy ----------------------------------------------------------------


def taxonomy_slug(instance: models.Model, *, source: str) -> str:
    """A unique slug for an author, section, tag or outlet, from its name."""
    model = type(instance)
    field = model._meta.get_field("slug")
    assert isinstance(field, models.SlugField) and field.max_length is not None
    max_length = field.max_length
    base = slug_from_title(source, max_length) or str(model._meta.model_name)
    taken = set(
        model._default_manager.filter(slug__startswith=base).exclude(pk=instance.pk).values_list("slug", flat=True)
    )
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base[: max_length - 4]}-{number}"
        number += 1
    return candidate


@transaction.atomic
def taxonomy_save(*, instance: Any, by: User) -> models.Model:
    """Save an author, section, tag or outlet; public responses show them, so purge."""
    roles.require_editor(by, _("Only editors can change sections, tags, authors and outlets."))
    if not getattr(instance, "slug", ""):
        instance.slug = taxonomy_slug(instance, source=instance.name)
    instance.full_clean()
    instance.save()
    _record_taxonomy(instance, "updated")
    return instance


def _record_taxonomy(instance: models.Model, action: str) -> None:
    """Authors, sections, tags and outlets are printed in list items and details."""
    name = instance._meta.model_name
    outbox.record(
        type=f"{name}.{action}",
        subject=f"{name}:{instance.pk}",
        keys=[f"{name}-{instance.pk}", "list"],
        data={"id": instance.pk},
    )


@transaction.atomic
def taxonomy_delete(*, instance: models.Model, by: User) -> None:
    roles.require_editor(by, _("Only editors can change sections, tags, authors and outlets."))
    pk = instance.pk
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as error:
        count = len(error.protected_objects)
        raise InUse(
            ngettext(
                "“%(name)s” is still used by %(count)d article or byline; change it first.",
                "“%(name)s” is still used by %(count)d articles or bylines; change those first.",
                count,
            )
            % {"name": instance, "count": count}
        ) from error

    instance.pk = pk
    _record_taxonomy(instance, "deleted")
