"""The newsroom's API: articles in every state with their workflow, revisions, preview links and
corrections, and the names they are filed under; thin views over articles.services."""

import re
from contextlib import contextmanager

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import Conflict, PreconditionFailed, PreconditionRequired
from core.fields import ID_PATTERN, path_id
from core.pagination import StrictCursorPagination
from core.permissions import IsEditorOrReadOnly, IsNewsroomMember

from .. import preview, selectors, services
from ..models import Article, Author, Outlet, RelatedPick, Section, Tag
from .filters import EditorArticleFilter
from .inputs import (
    ArticleInputSerializer,
    AuthorInputSerializer,
    CorrectionInputSerializer,
    OutletInputSerializer,
    ScheduleInputSerializer,
    SectionInputSerializer,
    TagInputSerializer,
)
from .serializers import EditorArticleSerializer, PreviewSerializer, RevisionDetailSerializer, RevisionSerializer
from .views import PAGE_SIZE_PARAMETER, NamePagination


@contextmanager
def service_errors():
    """Turn service exceptions into the API's statuses."""
    try:
        yield
    except services.ArticleVersionConflict as error:
        exc = PreconditionFailed(str(error))
        exc.detail = {"detail": str(error), "current_version": error.current_version}
        raise exc from error
    except services.ArticleStateError as error:
        exc = Conflict(str(error))
        exc.detail = {"detail": str(error), "status": error.status}
        raise exc from error
    except (services.SlugConflict, services.InUse) as error:
        raise Conflict(str(error)) from error
    except ObjectDoesNotExist as error:
        raise NotFound() from error


def article_etag(article: Article) -> str:
    return f'"a{article.pk}v{article.version}"'


# Digits bounded: an id or version has at most 18 (bigint), and int() refuses 4,300.
_ETAG_VERSION = re.compile(r'^(?:W/)?"a([0-9]{1,18})v([0-9]{1,18})"$')


def expected_version(request: Request, article_id: int) -> int | None:
    """The version named by If-Match; None for `*`. Missing: 428; unreadable: 412."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired()
    header = header.strip()
    if header == "*":
        return None
    match = _ETAG_VERSION.match(header.split(",")[0].strip())
    if not match or int(match.group(1)) != article_id:
        raise PreconditionFailed(_("If-Match does not name a version of this article; GET it again for its ETag."))
    return int(match.group(2))


class EditorArticlePagination(StrictCursorPagination):
    ordering = ("-updated_at", "-id")


class RevisionPagination(StrictCursorPagination):
    ordering = ("-number",)


REVISION_NUMBER = r"[0-9]{1,9}"


def optional_version(request: Request, article_id: int) -> int | None:
    """Actions take If-Match when the client has one; without it they act on the current version."""
    if not request.headers.get("If-Match"):
        return None
    return expected_version(request, article_id)


@extend_schema_view(
    list=extend_schema(parameters=[PAGE_SIZE_PARAMETER]),
    create=extend_schema(request=ArticleInputSerializer, responses={201: EditorArticleSerializer}),
    update=extend_schema(request=ArticleInputSerializer, responses=EditorArticleSerializer),
    partial_update=extend_schema(request=ArticleInputSerializer, responses=EditorArticleSerializer),
)
class EditorArticleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Every article the user may see, in every status. Writes need If-Match."""

    permission_classes = (IsNewsroomMember,)
    serializer_class = EditorArticleSerializer
    filterset_class = EditorArticleFilter
    pagination_class = EditorArticlePagination
    lookup_value_regex = ID_PATTERN
    queryset = Article.objects.none()

    def get_queryset(self):
        return selectors.article_list_for_editor(self.request.user)

    def get_object(self) -> Article:
        article_id = path_id(self.kwargs["pk"])
        article = self.get_queryset().filter(pk=article_id).first()
        if article is None:
            if Article.objects.filter(selectors.public_q(), pk=article_id).exists():
                # Anyone may know a public article exists: say why it is refused. Someone else's
                # draft or scheduled article is answered like one that does not exist.
                raise PermissionDenied(_("Writers can see and change only their own articles."))
            raise NotFound()
        return article

    def _context_for(self, articles: list[Article], *, with_related: bool) -> dict:
        ids = [a.pk for a in articles]
        picks: dict[int, list[int]] = {}
        for from_id, to_id in RelatedPick.objects.filter(from_article_id__in=ids).values_list(
            "from_article_id", "to_article_id"
        ):
            picks.setdefault(from_id, []).append(to_id)
        related = selectors.articles_related(articles) if with_related else {}
        return {"request": self.request, "picks": picks, "related": related}

    def _answer(self, article_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        article = (
            selectors.article_detail_queryset(Article.objects.filter(pk=article_id))
            .select_related("created_by", "updated_by")
            .get()
        )
        data = EditorArticleSerializer(article, context=self._context_for([article], with_related=True)).data
        response = Response(data, status=status_code)
        response["ETag"] = article_etag(article)
        return response

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self._context_for(page, with_related=False)
        return self.get_paginated_response(EditorArticleSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = ArticleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            article = services.article_create(by=request.user, **serializer.validated_data)
        response = self._answer(article.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/editor/articles/{article.pk}/"
        return response

    def _update(self, request, *, partial: bool) -> Response:
        article = self.get_object()
        version = expected_version(request, article.pk)
        serializer = ArticleInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial:
            # A full write replaces everything the input names; absent lists mean empty.
            for field, empty in (
                ("tags", []),
                ("bylines", []),
                ("body", []),
                ("related", []),
                ("summary", ""),
                ("section", None),
                ("source", None),
                ("original_url", ""),
                ("lead_image", None),
                ("lead_image_caption", ""),
            ):
                data.setdefault(field, empty)
        with service_errors():
            services.article_update(article_id=article.pk, by=request.user, expected_version=version, data=data)
        return self._answer(article.pk)

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    def destroy(self, request, *args, **kwargs):
        article = self.get_object()
        with service_errors():
            services.article_delete(article_id=article.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _act(self, service, request) -> Response:
        article = self.get_object()
        with service_errors():
            service(article_id=article.pk, by=request.user)
        return self._answer(article.pk)

    @extend_schema(request=None, responses=EditorArticleSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft to review."""
        return self._act(services.article_submit, request)

    @extend_schema(request=None, responses=EditorArticleSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish now (editors)."""
        return self._act(services.article_publish, request)

    @extend_schema(request=ScheduleInputSerializer, responses=EditorArticleSerializer)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        """Publish at `{"at"}` (editors); scheduling again moves the time."""
        article = self.get_object()
        serializer = ScheduleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.article_schedule(article_id=article.pk, by=request.user, at=serializer.validated_data["at"])
        return self._answer(article.pk)

    @extend_schema(request=None, responses=EditorArticleSerializer)
    @action(detail=True, methods=["post"])
    def unschedule(self, request, pk=None):
        """Cancel a schedule that has not gone out; the article is a draft again (editors)."""
        return self._act(services.article_unschedule, request)

    @extend_schema(request=None, responses=EditorArticleSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        """Take down a published article; it becomes archived (editors)."""
        return self._act(services.article_unpublish, request)

    @extend_schema(parameters=[PAGE_SIZE_PARAMETER], responses=RevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        """Every save kept, newest first."""
        article = self.get_object()
        paginator = RevisionPagination()
        page = paginator.paginate_queryset(selectors.revision_list(article_id=article.pk), request, self)
        return paginator.get_paginated_response(RevisionSerializer(page, many=True).data)

    def _revision(self, article: Article, number: str):
        revision = selectors.revision_get(article_id=article.pk, number=int(number))
        if revision is None:
            count = selectors.revision_list(article_id=article.pk).count()
            raise NotFound(
                _("This article has no revision %(number)d; it has revisions 1 to %(count)d.")
                % {"number": int(number), "count": count}
            )
        return revision

    @extend_schema(
        parameters=[OpenApiParameter("against", OpenApiTypes.INT, description="compare with this revision")],
        responses=RevisionDetailSerializer,
    )
    @action(detail=True, methods=["get"], url_path=rf"revisions/(?P<number>{REVISION_NUMBER})")
    def revision(self, request, pk=None, number=None):
        """One revision with its whole content and the change from the one before it."""
        article = self.get_object()
        revision = self._revision(article, number)
        against = request.query_params.get("against")
        if against is None:
            previous = selectors.revision_before(revision)
        elif not re.fullmatch(REVISION_NUMBER, against):
            raise ValidationError({"against": [_("Give a revision number.")]})

        else:
            previous = self._revision(article, against)
        return Response(RevisionDetailSerializer(revision, context={"previous": previous}).data)

    @extend_schema(request=None, responses=EditorArticleSerializer)
    @action(detail=True, methods=["post"], url_path=rf"revisions/(?P<number>{REVISION_NUMBER})/restore")
    def restore(self, request, pk=None, number=None):
        """Make an old revision the content again; this is saved as a new revision. If-Match is optional."""
        article = self.get_object()
        revision = self._revision(article, number)
        with service_errors():
            services.article_restore(
                article_id=article.pk,
                number=revision.number,
                by=request.user,
                expected_version=optional_version(request, article.pk),
            )
        return self._answer(article.pk)

    @extend_schema(
        request=None,
        responses={200: PreviewSerializer, 204: None},
        description="POST: the preview link made for the article's current version (the same one until it"
        " changes). DELETE: revoke every preview link of the article.",
    )
    @action(detail=True, methods=["post", "delete"])
    def preview(self, request, pk=None):
        """A link that shows the article as a page, whatever its status, until it expires or is revoked."""
        article = self.get_object()
        if request.method == "DELETE":
            preview.preview_links_revoke(article_id=article.pk, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        link = preview.preview_link_for(article_id=article.pk, by=request.user)
        url = request.build_absolute_uri(preview.preview_path(link))
        return Response({"url": url, "expires_at": link.expires_at, "version": link.version})

    @extend_schema(request=CorrectionInputSerializer, responses={201: EditorArticleSerializer})
    @action(detail=True, methods=["post"])
    def corrections(self, request, pk=None):
        """Add a correction note (editors)."""
        article = self.get_object()
        serializer = CorrectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.correction_add(article_id=article.pk, by=request.user, text=serializer.validated_data["text"])
        return self._answer(article.pk, status_code=status.HTTP_201_CREATED)


class _TaxonomyViewSet(viewsets.ModelViewSet):
    """Editors manage names; every newsroom member may read them."""

    permission_classes = (IsEditorOrReadOnly,)
    pagination_class = NamePagination
    lookup_value_regex = ID_PATTERN
    filterset_class = None

    def get_object(self):
        found = self.get_queryset().filter(pk=path_id(self.kwargs["pk"])).first()
        if found is None:
            raise NotFound()
        return found

    def perform_create(self, serializer):
        with service_errors():
            instance = serializer.Meta.model(**serializer.validated_data)
            serializer.instance = services.taxonomy_save(instance=instance, by=self.request.user)

    def perform_update(self, serializer):
        instance = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(instance, field, value)
        with service_errors():
            services.taxonomy_save(instance=instance, by=self.request.user)

    def perform_destroy(self, instance):
        with service_errors():
            services.taxonomy_delete(instance=instance, by=self.request.user)


class EditorAuthorViewSet(_TaxonomyViewSet):
    serializer_class = AuthorInputSerializer
    queryset = Author.objects.select_related("affiliation")


class EditorSectionViewSet(_TaxonomyViewSet):
    serializer_class = SectionInputSerializer
    queryset = Section.objects.all()
    pagination_class = None


class EditorTagViewSet(_TaxonomyViewSet):
    serializer_class = TagInputSerializer
    queryset = Tag.objects.all()


class EditorOutletViewSet(_TaxonomyViewSet):
    serializer_class = OutletInputSerializer
    queryset = Outlet.objects.all()
