"""`/api/v1/editor/webhooks/`: endpoints, their deliveries, secret rotation and replays (editors)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from core import roles
from core.fields import ID_PATTERN, path_id
from core.pagination import StrictCursorPagination

from .. import delivery as deliveries
from .. import services
from ..models import Delivery, Endpoint
from . import serializers


class IsEditor(permissions.BasePermission):
    message = gettext_lazy("Only editors manage webhooks.")

    def has_permission(self, request, view) -> bool:
        return roles.is_editor(request.user)


class EndpointViewSet(viewsets.ModelViewSet):
    permission_classes = (IsEditor,)
    serializer_class = serializers.EndpointSerializer
    pagination_class = StrictCursorPagination
    queryset = Endpoint.objects.all()
    lookup_value_regex = ID_PATTERN

    def get_object(self):
        found = Endpoint.objects.filter(pk=path_id(self.kwargs["pk"])).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(responses=serializers.EndpointWithSecretSerializer)
    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint = services.endpoint_create(by=request.user, **given.validated_data)
        return Response(serializers.EndpointWithSecretSerializer(endpoint).data, status=201)

    def perform_update(self, serializer):
        serializer.instance = services.endpoint_update(
            endpoint=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    @extend_schema(request=None, responses=serializers.EndpointWithSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        endpoint = services.endpoint_rotate_secret(endpoint=self.get_object(), by=request.user)
        return Response(serializers.EndpointWithSecretSerializer(endpoint).data)

    @extend_schema(request=serializers.ReplaySinceSerializer, responses={200: dict})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Send again everything since `since`, and deliver what the endpoint missed meanwhile."""
        given = serializers.ReplaySinceSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transaction.atomic():
            count = deliveries.replay_since(self.get_object(), given.validated_data["since"])
        return Response({"replayed": count})


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = (IsEditor,)
    pagination_class = StrictCursorPagination
    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self):
        return serializers.DeliveryDetailSerializer if self.action != "list" else serializers.DeliverySerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Delivery.objects.none()
        endpoint_id = path_id(self.kwargs["endpoint_pk"])
        if not Endpoint.objects.filter(pk=endpoint_id).exists():
            raise NotFound()
        return Delivery.objects.filter(endpoint_id=endpoint_id).prefetch_related("attempt_rows")

    def get_object(self):
        found = self.get_queryset().filter(pk=path_id(self.kwargs["pk"])).first()
        if found is None:
            raise NotFound()
        return found

    @extend_schema(request=None, responses=serializers.DeliveryDetailSerializer)
    @action(detail=True, methods=["post"])
    def replay(self, request, endpoint_pk=None, pk=None):
        """Send this delivery again now, with the same `webhook-id`."""
        with transaction.atomic():
            found = deliveries.replay(self.get_object())
        return Response(serializers.DeliveryDetailSerializer(found).data)
