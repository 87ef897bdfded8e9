"""Photo agencies, credited on photos."""

import logging

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import outbox, roles

from ..models import Agency

logger = logging.getLogger(__name__)


class AgencyInUse(Exception):
    """An agency still credited on images (answered 409)."""


@transaction.atomic
def agency_save(*, agency: Agency, by: User) -> Agency:
    roles.require_photo_editor(by, _("Only photo editors and editors can change agencies."))
    agency.full_clean()
    agency.save()
    outbox.record(type="agency.updated", subject=f"agency:{agency.pk}", keys=[f"agency-{agency.pk}"])
    return agency


@transaction.atomic
def agency_delete(*, agency: Agency, by: User) -> None:
    roles.require_photo_editor(by, _("Only photo editors and editors can change agencies."))
    count = agency.images.count()
    if count:
        raise AgencyInUse(
            ngettext(
                "%(agency)s is credited on %(count)d photo; change its agency first.",
                "%(agency)s is credited on %(count)d photos; change their agency first.",
                count,
            )
            % {"agency": agency.name, "count": count}
        )

    agency.delete()
