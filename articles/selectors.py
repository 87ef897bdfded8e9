"""Reads of articles, each with a fixed number of queries whatever the page size."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.sql import fetch_all

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from .models import (
    Article,
    Author,
    Block,
    Byline,
    DocumentLink,
    EditSession,
    RelatedPick,
    Revision,
    StatusChange,
    public_articles,
)
from .text import html_to_text


def public_q(now: datetime | None = None) -> Q:
    """Published, or scheduled with its time passed: public to the second without a worker."""
    return public_articles(now)


LEAD_IMAGE = ("lead_image", "lead_image__agency")


def _bylines_prefetch() -> Prefetch:
    return Prefetch("bylines", queryset=Byline.objects.select_related("author", "outlet").order_by("position", "id"))


def article_detail_queryset(queryset: QuerySet[Article]) -> QuerySet[Article]:
    """Everything a detail shows except `related`, in five queries."""
    blocks = Prefetch("blocks", queryset=Block.objects.select_related("image", "image__agency"))
    return queryset.select_related("section", "source", *LEAD_IMAGE).prefetch_related(
        _bylines_prefetch(), "tags", blocks, "corrections"
    )


# Related articles by tag: the newest (limit x RELATED_PER_TAG) public articles of each of the
# article's first RELATED_TAGS_LOOKED_AT tags are the candidates ranked by shared tags.
RELATED_PER_TAG = 4
RELATED_TAGS_LOOKED_AT = 10


def article_related(*, article: Article, limit: int | None = None) -> list[Article]:
    """Editor's picks first, then most shared tags, then same section, newest first.

    Each source is one small query cut to `limit` newest-ranked rows before anything is
    counted, and the candidates are then read by id, so the cost stays bounded however large
    the archive or popular the tag (one query with the sources as OR-ed subqueries made
    PostgreSQL scan the whole archive); tags count only within the window set by
    ARTICLE_RELATED_WINDOW_DAYS.
    """
    limit = limit or settings.ARTICLE_RELATED_LIMIT
    tag_ids = [tag.pk for tag in article.tags.all()]
    public = Article.objects.filter(public_q()).exclude(pk=article.pk)
    same_section_rank = (
        Case(When(section_id=article.section_id, then=Value(1)), default=Value(0), output_field=IntegerField())
        if article.section_id
        else Value(0, output_field=IntegerField())
    )
    picked = RelatedPick.objects.filter(from_article_id=article.pk).order_by("position", "id")
    ids = set(picked.values_list("to_article_id", flat=True)[:limit])
    if tag_ids:
        # The newest public articles carrying each tag, through the documents' links (key, time):
        # a few rows per tag however large the archive (grouping every article of the window
        # that shares a tag took 100-550 ms at 100,000 articles). Ranked with the rest below.
        now = timezone.now()
        window_start = now - timedelta(days=settings.ARTICLE_RELATED_WINDOW_DAYS)
        for tag_id in tag_ids[:RELATED_TAGS_LOOKED_AT]:
            newest = (
                DocumentLink.objects.filter(key=f"tag-{tag_id}", published_at__gte=window_start, published_at__lte=now)
                .exclude(article_id=article.pk)
                .order_by("-published_at")
                .values_list("article_id", flat=True)
            )
            ids |= set(newest[: limit * RELATED_PER_TAG])
    if article.section_id:
        same_section = public.filter(section_id=article.section_id).order_by("-published_at", "-pk")
        ids |= set(same_section.values_list("pk", flat=True)[:limit])
    if not ids:
        return []

    pick_position = RelatedPick.objects.filter(from_article_id=article.pk, to_article_id=OuterRef("pk")).values(
        "position"
    )[:1]
    candidates = (
        public.filter(pk__in=ids)
        .annotate(
            pick_position=Subquery(pick_position, output_field=IntegerField()),
            shared_tags=Count("tags", filter=Q(tags__in=tag_ids), distinct=True) if tag_ids else Value(0),
            same_section=same_section_rank,
        )
        .select_related("section", *LEAD_IMAGE)
        .order_by(F("pick_position").asc(nulls_last=True), "-shared_tags", "-same_section", "-published_at", "-id")
    )
    return list(candidates[:limit])


def authors_of(article: Article) -> list[Author]:
    """Distinct authors in byline order, from the prefetched bylines."""
    seen: dict[int, Author] = {}
    for byline in article.bylines.all():
        seen.setdefault(byline.author_id, byline.author)
    return list(seen.values())


def article_list_for_editor(user: User) -> QuerySet[Article]:
    from core import roles

    queryset = (
        article_detail_queryset(Article.objects.all())
        .select_related("created_by", "updated_by")
        .prefetch_related(Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")))
    )
    if roles.is_editor(user):
        return queryset
    return queryset.filter(created_by=user)


def author_list() -> QuerySet[Author]:
    return Author.objects.select_related("affiliation", "avatar", "avatar__agency")


def image_uses(image_ids: Iterable[int], viewer: User | AnonymousUser | None = None) -> dict:
    """Where articles use each image: body blocks, lead images, author avatars (for media.uses).

    Editors and photo editors (who answer for every use of a photo's rights) see every use. Anyone
    else sees their own articles and public ones by title; the rest, someone else's draft or
    scheduled piece or an author's page, comes back hidden: counted, never named."""
    from django.urls import reverse

    from core import roles
    from media.uses import Use, hidden_use

    sees_all = viewer is None or roles.is_photo_editor(viewer)
    bodies = list(
        Block.objects.filter(image_id__in=image_ids)
        .values_list("image_id", "article_id", "article__title", "article__created_by_id")
        .distinct()
    )
    leads = list(
        Article.objects.filter(lead_image_id__in=image_ids).values_list("lead_image_id", "id", "title", "created_by_id")
    )
    public: set[int] = set()
    if not sees_all:
        ids = {row[1] for row in bodies + leads}
        public = set(Article.objects.filter(public_articles(), pk__in=ids).values_list("pk", flat=True))
    found: dict[int, list[Use]] = {}

    def add(image_id: int, kind: str, kind_label: "StrOrPromise", label: str, url: str, opens: bool) -> None:
        use = Use(kind, label, url, kind_label) if opens else hidden_use(kind, kind_label)
        found.setdefault(image_id, []).append(use)

    for rows, kind, kind_label in ((bodies, "article body", _("article body")), (leads, "lead image", _("lead image"))):
        for image_id, article_id, title, owner in rows:
            url = reverse("admin:articles_article_change", args=[article_id])
            opens = sees_all or (viewer is not None and owner == viewer.pk) or article_id in public
            add(image_id, kind, kind_label, f"《{title}》", url, opens)
    for image_id, author_id, name in Author.objects.filter(avatar_id__in=image_ids).values_list(
        "avatar_id", "id", "name"
    ):
        url = reverse("admin:articles_author_change", args=[author_id])
        add(image_id, "author avatar", _("author avatar"), name, url, sees_all)
    return found


def images_in_public_use(image_ids: Iterable[int]) -> set[int]:
    """Of `image_ids`, those readers see: on a public article (lead image or body), or an
    author's avatar (author pages are public) (for media.uses)."""
    ids = list(image_ids)
    if not ids:
        return set()
    public = Article.objects.filter(public_articles())
    found = set(public.filter(lead_image_id__in=ids).values_list("lead_image_id", flat=True))
    found |= set(
        Block.objects.filter(image_id__in=ids, article__in=public).values_list("image_id", flat=True).distinct()
    )
    found |= set(Author.objects.filter(avatar_id__in=ids).values_list("avatar_id", flat=True))
    return found


def revision_list(*, article_id: int) -> QuerySet[Revision]:
    """Newest first, without the stored content but with its title (one query per page)."""
    return (
        Revision.objects.filter(article_id=article_id)
        .select_related("created_by")
        .defer("data")
        .annotate(title=KT("data__title"))
        .order_by("-number")
    )


def revision_get(*, article_id: int, number: int) -> Revision | None:
    return Revision.objects.filter(article_id=article_id, number=number).select_related("created_by").first()


def revision_before(revision: Revision) -> Revision | None:
    return (
        Revision.objects.filter(article_id=revision.article_id, number__lt=revision.number).order_by("-number").first()
    )


def revisions_since(*, article_id: int, version: int) -> list[Revision]:
    """Saves that made the article newer than `version`: what an editor holding `version` has not seen."""
    return list(
        Revision.objects.filter(article_id=article_id, version__gt=version)
        .select_related("created_by")
        .order_by("number")
        .defer("data")
    )


def others_editing(*, article_id: int, user: User, now: datetime | None = None) -> list[EditSession]:
    """Who else has the article open: sessions the page kept alive within EDIT_SESSION_SECONDS."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.EDIT_SESSION_SECONDS)
    return list(
        EditSession.objects.filter(article_id=article_id, seen_at__gte=cutoff)
        .exclude(user=user)
        .select_related("user")
        .order_by("opened_at")
    )


# Body blocks whose words readers search; an image block's text is a caption, which belongs to
# the photo (its rights may end) and never reaches an excerpt.
TEXT_BLOCKS = (Block.Type.PARAGRAPH, Block.Type.HEADING, Block.Type.QUOTE)


def every_id_sql() -> str:
    """SQL selecting the id of every article, any status: a derived index (search's) drops
    its entries of the rest, without knowing the article table."""
    return f"SELECT id FROM {Article._meta.db_table}"


def plain_bodies(article_ids: list[int]) -> dict[int, str]:
    """The searchable body text of each article: its text blocks, in order, as plain text."""
    texts: dict[int, list[str]] = {}
    if not article_ids:
        return {}
    # Read for every result page: plain SQL, as the ORM's own cost was a third of the read.
    ids = ", ".join(["%s"] * len(article_ids))
    types = ", ".join(["%s"] * len(TEXT_BLOCKS))
    rows = fetch_all(
        f"SELECT article_id, text FROM {Block._meta.db_table}"
        f" WHERE article_id IN ({ids}) AND type IN ({types}) ORDER BY article_id, position, id",
        [*article_ids, *TEXT_BLOCKS],
    )
    for article_id, value in rows:
        if value:
            # Most paragraphs carry no markup: only those with some go through the sanitiser.
            plain = html_to_text(value) if "<" in value or "&" in value else " ".join(value.split())
            texts.setdefault(article_id, []).append(plain)
    return {article_id: "\n".join(found) for article_id, found in texts.items()}
