"""Top-level routes: admin, API v1 (public and editor), schema, docs, health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from articles.api import urls as articles_urls
from distribution import urls as distribution_urls
from distribution.api import urls as webhook_urls
from media.api import urls as media_urls
from search.api import urls as search_urls
from trending.api import urls as trending_urls

from . import accounts, pages, views

admin.site.site_header = gettext_lazy("Portal news desk")
admin.site.site_title = "Portal"
admin.site.index_title = gettext_lazy("Newsroom")


api_v1 = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("auth/token/", accounts.TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", accounts.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<str:token_id>/", accounts.TokenDetailView.as_view(), name="auth-token-detail"),
    path("auth/logout/", accounts.LogoutView.as_view(), name="auth-logout"),
    path("auth/logout-all/", accounts.LogoutAllView.as_view(), name="auth-logout-all"),
    path(
        "editor/",
        include(
            articles_urls.editor_urlpatterns
            + media_urls.editor_urlpatterns
            + trending_urls.editor_urlpatterns
            + webhook_urls.editor_urlpatterns
        ),
    ),
    *articles_urls.public_urlpatterns,
    *media_urls.public_urlpatterns,
    *trending_urls.public_urlpatterns,
    *search_urls.public_urlpatterns,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: the docs page needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("preview/<str:token>/", pages.article_preview, name="article-preview"),
    *distribution_urls.urlpatterns,
    path("healthz", views.HealthView.as_view(), name="healthz"),
    path("readyz", views.ReadyView.as_view(), name="readyz"),
    path("metrics", views.metrics, name="metrics"),
]

if settings.MEDIA_SERVE:
    # The embedded setup serves uploads itself; production serves the storage from a CDN.
    urlpatterns += [re_path(r"^uploads/(?P<path>.*)$", views.serve_upload, name="upload")]

handler400 = "core.errors.handler400"
handler404 = "core.errors.handler404"
handler500 = "core.errors.handler500"
