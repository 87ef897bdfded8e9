"""The newsroom roles, as Django groups made by a data migration."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied

WRITER = "writer"
EDITOR = "editor"
PHOTO_EDITOR = "photo_editor"
ALL = (WRITER, EDITOR, PHOTO_EDITOR)


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The user's role names, read once per user object."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ALL).values_list("name", flat=True))
        user._portal_roles = cached
    return cached


def is_editor(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or EDITOR in user_roles(user)))


def is_writer(user) -> bool:
    return bool(user.is_authenticated and (is_editor(user) or WRITER in user_roles(user)))


def is_photo_editor(user) -> bool:
    """Photo editors manage images, credits and rights; editors may too."""
    return bool(user.is_authenticated and (is_editor(user) or PHOTO_EDITOR in user_roles(user)))


def is_staff_member(user) -> bool:
    """Anyone with a newsroom role may use the editor API."""
    return bool(user.is_authenticated and (user.is_superuser or user_roles(user)))


def require_editor(user, refusal: str) -> None:
    """Refuse (PermissionDenied with the translated `refusal`) anyone but an editor or a superuser."""
    if not is_editor(user):
        raise PermissionDenied(refusal)


def require_photo_editor(user, refusal: str) -> None:
    """Refuse anyone but a photo editor, an editor or a superuser."""
    if not is_photo_editor(user):
        raise PermissionDenied(refusal)
