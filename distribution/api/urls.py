from django.urls import re_path

from . import views

endpoints = views.EndpointViewSet
deliveries = views.DeliveryViewSet
ID = r"(?P<pk>[0-9]{1,19})"
ENDPOINT = r"(?P<endpoint_pk>[0-9]{1,19})"

editor_urlpatterns = [
    re_path(r"^webhooks/$", endpoints.as_view({"get": "list", "post": "create"}), name="editor-webhook-list"),
    re_path(
        rf"^webhooks/{ID}/$",
        endpoints.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}),
        name="editor-webhook-detail",
    ),
    re_path(
        rf"^webhooks/{ID}/rotate-secret/$", endpoints.as_view({"post": "rotate_secret"}), name="editor-webhook-rotate"
    ),
    re_path(rf"^webhooks/{ID}/replay/$", endpoints.as_view({"post": "replay"}), name="editor-webhook-replay"),
    re_path(
        rf"^webhooks/{ENDPOINT}/deliveries/$", deliveries.as_view({"get": "list"}), name="editor-webhook-deliveries"
    ),
    re_path(
        rf"^webhooks/{ENDPOINT}/deliveries/{ID}/$",
        deliveries.as_view({"get": "retrieve"}),
        name="editor-webhook-delivery",
    ),
    re_path(
        rf"^webhooks/{ENDPOINT}/deliveries/{ID}/replay/$",
        deliveries.as_view({"post": "replay"}),
        name="editor-webhook-delivery-replay",
    ),
]
