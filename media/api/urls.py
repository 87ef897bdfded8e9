"""Routes for images: editor CRUD and the public rendition endpoint."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

editor = SimpleRouter()
editor.register("images", views.EditorImageViewSet, basename="editor-image")
editor.register("agencies", views.EditorAgencyViewSet, basename="editor-agency")

editor_urlpatterns = editor.urls
public_urlpatterns = [
    path(
        "images/<int:pk>/renditions/<slug:name>.<slug:kind>",
        views.RenditionView.as_view(),
        name="image-rendition",
    ),
]
