"""The rail (public, read from the snapshot) and view events (public beacons); pins and exclusions."""

import uuid

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import APIView

from articles.models import Article, Section
from core.errors import ServiceUnavailable
from core.fields import IdRelatedField, parse_whole_number
from core.permissions import IsEditorOrReadOnly as EditorsChange
from core.throttling import ScopedRateThrottle

from .. import selectors, services
from ..models import Exclusion, Pin
from ..stores import StoreUnavailable


class StoreDown(ServiceUnavailable):
    default_detail = gettext_lazy(
        "The trending store is unavailable; these events were not counted. Send them again later."
    )
    default_code = "store_unavailable"


class RailView(APIView):
    """`GET /api/v1/trending/?rail=now&section=&limit=`: the rail as last refreshed (one cache read)."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    replica_reads = True  # core.replicas

    @extend_schema(
        parameters=[
            OpenApiParameter("rail", OpenApiTypes.STR, description="now (decayed) or today (views in 24 h)"),
            OpenApiParameter("section", OpenApiTypes.STR, description="a section slug; blank for the whole site"),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1 to the rail's size (20)"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        rail = request.query_params.get("rail", "now")
        section = request.query_params.get("section", "") or ""
        config = settings.TRENDING_RAILS.get(rail)
        if config is None:
            raise ValidationError(
                {"rail": [_("Unknown rail; use one of %(rails)s.") % {"rails": ", ".join(settings.TRENDING_RAILS)}]}
            )
        raw_limit = request.query_params.get("limit")
        limit = config["size"]
        if raw_limit is not None:
            limit = parse_whole_number(raw_limit, low=1, high=config["size"])
            if limit is None:
                raise ValidationError(
                    {"limit": [_("Give a whole number from 1 to %(most)d.") % {"most": config["size"]}]}
                )
        if len(section) > 50:
            raise ValidationError({"section": [_("No section has this slug.")]})
        data = selectors.rail_snapshot(rail, section)
        if data is None:
            if section and not Section.objects.filter(slug=section).exists():
                raise NotFound(_("No section has this slug."))
            data = {"rail": rail, "section": section or None, "generated_at": None, "items": []}
        elif limit < len(data["items"]):
            data = {**data, "items": data["items"][:limit]}
        response = HttpResponse(orjson.dumps(data), content_type="application/json")
        response["Cache-Control"] = "public, max-age=5"
        response[settings.PUBLIC_CACHE_KEY_HEADER] = "trending"
        return response


class EventsView(APIView):
    """`POST /api/v1/trending/events/`: one event or `{"events": [...]}` (at most 100); 202 with the tally."""

    authentication_classes = ()
    permission_classes = (permissions.AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "trending-events"

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            202: inline_serializer(
                "EventsAccepted", {"accepted": serializers.IntegerField(), "rejected": serializers.IntegerField()}
            ),
            503: OpenApiResponse(description="the trending store is down"),
        },
    )
    def post(self, request):
        body = request.data  # malformed JSON raises ParseError: a 400
        if isinstance(body, dict) and "events" in body:
            events = body["events"]
            if not isinstance(events, list):
                raise ValidationError({"events": [_("Give a list of event objects.")]})
        elif isinstance(body, dict) and body:
            events = [body]
        else:
            raise ValidationError({"detail": _('Send one event object or {"events": [...]}.')})
        if len(events) > settings.TRENDING_MAX_BATCH:
            raise ValidationError(
                {"events": [_("At most %(most)d events in one request.") % {"most": settings.TRENDING_MAX_BATCH}]}
            )
        cookie_name = settings.TRENDING_VISITOR_COOKIE
        cookie = request.COOKIES.get(cookie_name)
        try:
            tally = services.events_record(
                events=events,
                address=request.META.get("REMOTE_ADDR", ""),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                cookie=cookie,
            )
        except StoreUnavailable as error:
            raise StoreDown() from error
        response = HttpResponse(orjson.dumps(tally), status=202, content_type="application/json")
        if not cookie and not any(isinstance(e, dict) and e.get("visitor") for e in events):
            response.set_cookie(
                cookie_name,
                uuid.uuid4().hex,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=request.is_secure(),
            )
        return response


# --- editors -----------------------------------------------------------------------------------


class IsEditorOrReadOnly(EditorsChange):
    message = gettext_lazy("Only editors can change the trending rails.")


class PinSerializer(serializers.ModelSerializer):
    article = IdRelatedField(queryset=Article.objects.all())
    section = serializers.SlugRelatedField(
        slug_field="slug", queryset=Section.objects.all(), required=False, allow_null=True
    )
    rail = serializers.CharField(max_length=20, default="now")
    position = serializers.IntegerField(min_value=1, max_value=100)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Pin
        fields = ["id", "article", "rail", "section", "position", "until", "created_by", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []


class ExclusionSerializer(serializers.ModelSerializer):
    article = IdRelatedField(queryset=Article.objects.all())
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Exclusion
        fields = ["id", "article", "until", "reason", "created_by", "created_at"]
        read_only_fields = ["created_at"]


class PinViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Pins: `{"article", "position", "until", "rail", "section"}`."""

    permission_classes = (IsEditorOrReadOnly,)
    serializer_class = PinSerializer
    queryset = Pin.objects.select_related("section", "created_by")
    pagination_class = None
    filterset_class = None
    lookup_value_regex = r"[0-9]{1,18}"

    def perform_create(self, serializer):
        serializer.instance = services.pin_create(by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.pin_delete(pin=instance, by=self.request.user)


class ExclusionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Exclusions: `{"article", "until", "reason"}`."""

    permission_classes = (IsEditorOrReadOnly,)
    serializer_class = ExclusionSerializer
    queryset = Exclusion.objects.select_related("created_by")
    pagination_class = None
    filterset_class = None
    lookup_value_regex = r"[0-9]{1,18}"

    def perform_create(self, serializer):
        serializer.instance = services.exclusion_create(by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.exclusion_delete(exclusion=instance, by=self.request.user)
