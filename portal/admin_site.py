"""The admin site of the desk: Django's, with a front page that shows the shift at a glance."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class PortalAdminSite(admin.AdminSite):
    index_template = "admin/desk_index.html"

    def index(self, request, extra_context=None):
        from . import desk

        return super().index(request, {"desk": desk.front_page(request, self), **(extra_context or {})})


class PortalAdminConfig(AdminConfig):
    """`django.contrib.admin` with `PortalAdminSite` as the site every app registers with."""

    default_site = "portal.admin_site.PortalAdminSite"
