"""Editor endpoints for images and agencies, and the public on-demand rendition endpoint."""

from contextlib import contextmanager
from datetime import timedelta

import django_filters
from django import forms
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.storage import default_storage
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import APIException, NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core import roles
from core.errors import Conflict
from core.fields import MAX_ID
from core.pagination import StrictCursorPagination
from core.parsers import JSONParser
from core.permissions import IsNewsroomMember

from .. import imaging, photographers, selectors, services, uses
from ..models import Agency, Image
from .serializers import AgencySerializer, EditorImageSerializer, ImageInputSerializer

ID_PATTERN = r"[0-9]{1,18}"


class Rejected(APIException):
    def __init__(self, error: imaging.ImageRejected) -> None:
        super().__init__(str(error))
        self.status_code = error.status


@contextmanager
def service_errors():
    try:
        yield
    except imaging.ImageRejected as error:
        raise Rejected(error) from error
    except services.ImageInUse as error:
        exc = Conflict(str(error))
        exc.detail = {
            "detail": str(error),
            "uses": [{"kind": use.kind, "label": use.label} for use in uses.visible(error.uses)],
            "uses_hidden": uses.hidden_count(error.uses),
        }
        raise exc from error
    except services.AgencyInUse as error:
        raise Conflict(str(error)) from error
    except ObjectDoesNotExist as error:
        raise NotFound() from error


class WholeNumberFilter(django_filters.NumberFilter):
    """An integer filter: `1.5`, `1e309` or `NaN` are a 400 ("Enter a whole number."), not a 500."""

    field_class = forms.IntegerField


class ImageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=200)
    license = django_filters.ChoiceFilter(choices=Image.License.choices)
    agency = WholeNumberFilter(field_name="agency_id", min_value=1, max_value=MAX_ID)
    expiring_within_days = WholeNumberFilter(method="filter_expiring", min_value=0, max_value=3650)

    class Meta:
        model = Image
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        for word in value.split()[:10]:
            queryset = queryset.filter(
                Q(caption__icontains=word)
                | Q(alt__icontains=word)
                | Q(creator__icontains=word)
                | Q(credit_line__icontains=word)
                | Q(agency__name__icontains=word)
            )
        return queryset

    def filter_expiring(self, queryset, name, value):
        return queryset.filter(rights_expire_at__lte=timezone.now() + timedelta(days=int(value)))


class ImagePagination(StrictCursorPagination):
    ordering = ("-uploaded_at", "-id")


@extend_schema(tags=["editor images"])
class EditorImageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Photos with credits and rights. Upload is multipart; any format is judged by content."""

    permission_classes = (IsNewsroomMember,)
    serializer_class = EditorImageSerializer
    filterset_class = ImageFilter
    pagination_class = ImagePagination
    lookup_value_regex = ID_PATTERN
    parser_classes = (MultiPartParser, FormParser, JSONParser)
    queryset = Image.objects.none()

    def get_queryset(self):
        return selectors.image_list_for_editor()

    def get_object(self) -> Image:
        found = self.get_queryset().filter(pk=int(self.kwargs["pk"])).first()
        if found is None:
            raise NotFound()
        return found

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ids = [image.pk for image in page]
        context = {
            "request": request,
            "uses": uses.find(ids, request.user),
            "photographers": photographers.authors_of(ids),
        }
        return self.get_paginated_response(EditorImageSerializer(page, many=True, context=context).data)

    @extend_schema(request={"multipart/form-data": ImageInputSerializer}, responses={201: EditorImageSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ImageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        upload = fields.pop("file")
        with service_errors():
            data, probe = services.image_read_upload(upload)
            image, created = services.image_create(data=data, probe=probe, by=request.user, **fields)
        image = self.get_queryset().get(pk=image.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        response = Response(EditorImageSerializer(image, context={"request": request}).data, status=code)
        response["Location"] = f"/api/v1/editor/images/{image.pk}/"
        return response

    @extend_schema(request=ImageInputSerializer, responses=EditorImageSerializer)
    def partial_update(self, request, *args, **kwargs):
        image = self.get_object()
        serializer = ImageInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "file" in data:
            raise Conflict(_("An image's file cannot be replaced; upload a new image instead."))
        with service_errors():
            services.image_update(image_id=image.pk, by=request.user, data=data)
        return Response(EditorImageSerializer(self.get_queryset().get(pk=image.pk), context={"request": request}).data)

    update = partial_update

    @extend_schema(responses={204: None, 409: OpenApiResponse(description="the image is in use")})
    def destroy(self, request, *args, **kwargs):
        image = self.get_object()
        with service_errors():
            services.image_delete(image_id=image.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EditorAgencyViewSet(viewsets.ModelViewSet):
    permission_classes = (IsNewsroomMember,)
    serializer_class = AgencySerializer
    queryset = Agency.objects.all()
    pagination_class = None
    lookup_value_regex = ID_PATTERN
    filterset_class = None

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.agency_save(agency=Agency(**serializer.validated_data), by=self.request.user)

    def perform_update(self, serializer):
        for field, value in serializer.validated_data.items():
            setattr(serializer.instance, field, value)
        with service_errors():
            services.agency_save(agency=serializer.instance, by=self.request.user)

    def perform_destroy(self, instance):
        with service_errors():
            services.agency_delete(agency=instance, by=self.request.user)


class RenditionView(APIView):
    """`GET /api/v1/images/{id}/renditions/{name}.{format}`: redirects to the file.

    Readers get photos in public use (a published article's, an author's avatar) or marked public
    by the photo desk; staff signed in get any. Anything else is a 404, as for an id that does
    not exist. A rendition not made yet is asked of the photo workers: 503 with `Retry-After`."""

    permission_classes = (permissions.AllowAny,)

    def perform_authentication(self, request):
        """Lazily, in `get`: credentials that do not hold make a reader, not a 401 (a public URL)."""

    @extend_schema(
        responses={
            302: None,
            404: OpenApiResponse(description="unknown, not public, or rights expired"),
            503: OpenApiResponse(description="being made: retry after `Retry-After` seconds"),
        }
    )
    def get(self, request, pk: str, name: str, kind: str):
        image, rendition = services.rendition_lookup(image_id=int(pk), name=name, kind=kind)
        public = image is not None and (image.public or image.pk in uses.in_public_use([image.pk]))
        if image is None or not (public or _staff(request)):
            raise NotFound(_("No such rendition, or the photo's rights have expired."))
        if rendition is None:
            services.renditions_request(image.pk)
            response = JsonResponse({"detail": _("This rendition is being made; try again shortly.")}, status=503)
            response["Retry-After"] = str(RENDITION_RETRY_SECONDS)
            response["Cache-Control"] = "no-store"
            return response
        response = HttpResponseRedirect(default_storage.url(rendition.file))
        # A photo nobody published is not for shared caches: the next reader may not be staff.
        response["Cache-Control"] = "public, max-age=60" if public else "private, no-store"
        return response


RENDITION_RETRY_SECONDS = 2


def _staff(request) -> bool:
    try:
        return roles.is_staff_member(request.user)
    except APIException:  # a token or session that does not hold: read on as anyone
        return False
