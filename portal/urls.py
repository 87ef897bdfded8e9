"""Top-level routes: admin, API v1 (public and editor), schema, docs, health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from articles.api.urls import editor_urlpatterns, public_urlpatterns

from . import views

admin.site.site_header = "Portal 新闻内容管理"
admin.site.site_title = "Portal"
admin.site.index_title = "编辑部"

api_v1 = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("editor/", include(editor_urlpatterns)),
    *public_urlpatterns,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("healthz", views.HealthView.as_view(), name="healthz"),
    path("readyz", views.ReadyView.as_view(), name="readyz"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "portal.exceptions.handler400"
handler404 = "portal.exceptions.handler404"
handler500 = "portal.exceptions.handler500"
