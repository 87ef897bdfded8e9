"""Routes for the rail, view events, pins and exclusions."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

editor = SimpleRouter()
editor.register("trending/pins", views.PinViewSet, basename="trending-pin")
editor.register("trending/exclusions", views.ExclusionViewSet, basename="trending-exclusion")

editor_urlpatterns = editor.urls
public_urlpatterns = [
    path("trending/", views.RailView.as_view(), name="trending-rail"),
    path("trending/events/", views.EventsView.as_view(), name="trending-events"),
]
