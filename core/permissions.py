"""The API's permission classes by newsroom role, for every app's views."""

from django.utils.translation import gettext_lazy
from rest_framework import permissions

from . import roles


class IsNewsroomMember(permissions.BasePermission):
    message = gettext_lazy("This needs a newsroom role (writer, editor or photo editor).")

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_member(request.user)


class IsEditorOrReadOnly(permissions.BasePermission):
    """Newsroom members read; editors change."""

    message = gettext_lazy("Only editors can change this.")

    def has_permission(self, request, view) -> bool:
        if not roles.is_staff_member(request.user):
            return False
        return request.method in permissions.SAFE_METHODS or roles.is_editor(request.user)
