"""Reads of articles, each with a fixed number of queries whatever the page size."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
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
    public_sql,
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
    """`articles_related` for one article."""
    return articles_related([article], limit=limit)[article.pk]


def articles_related(
    articles: list[Article], *, limit: int | None = None, now: datetime | None = None
) -> dict[int, list[Article]]:
    """Each article's related articles: editor's picks first, then most shared tags, then same
    section, newest first. The articles come with their tags (prefetched).

    The candidates are bounded however large the archive or popular a tag: the picks, the
    newest (limit x RELATED_PER_TAG) public articles of each of an article's first
    RELATED_TAGS_LOOKED_AT tags within ARTICLE_RELATED_WINDOW_DAYS (through the documents'
    links, by key and time), and the newest `limit` of its section (grouping every article of
    the window sharing a tag took 100-550 ms at 100,000 articles). Four queries for any number
    of articles: the picks, the newest of every tag and section at once, the candidates, and
    their tags; they are then ranked here.
    """
    limit = limit or settings.ARTICLE_RELATED_LIMIT
    now = now or timezone.now()
    ids = [article.pk for article in articles]
    tags_of = {article.pk: [tag.pk for tag in article.tags.all()] for article in articles}
    picks: dict[int, dict[int, int]] = {article_id: {} for article_id in ids}  # article -> picked -> position
    for from_id, to_id, position in (
        RelatedPick.objects.filter(from_article_id__in=ids)
        .order_by("from_article_id", "position", "id")
        .values_list("from_article_id", "to_article_id", "position")
    ):
        if len(picks[from_id]) < limit:
            picks[from_id].setdefault(to_id, position)
    looked_at = {tag_id for tag_ids in tags_of.values() for tag_id in tag_ids[:RELATED_TAGS_LOOKED_AT]}
    sections = {article.section_id for article in articles if article.section_id}
    # One more than each article keeps: the article itself may be among the newest.
    newest_of_tag, newest_of_section = _newest_of(looked_at, limit * RELATED_PER_TAG + 1, sections, limit + 1, now)

    candidates_of: dict[int, set[int]] = {}
    for article in articles:
        own = article.pk
        found = set(picks[own])
        for tag_id in tags_of[own][:RELATED_TAGS_LOOKED_AT]:
            found.update([i for i in newest_of_tag.get(tag_id, []) if i != own][: limit * RELATED_PER_TAG])
        if article.section_id:
            found.update([i for i in newest_of_section.get(article.section_id, []) if i != own][:limit])
        found.discard(own)
        candidates_of[own] = found
    every = set().union(*candidates_of.values()) if candidates_of else set()
    if not every:
        return {article_id: [] for article_id in ids}
    shown = {
        a.pk: a for a in Article.objects.filter(public_q(now), pk__in=every).select_related("section", *LEAD_IMAGE)
    }
    all_tags = {tag_id for tag_ids in tags_of.values() for tag_id in tag_ids}
    tags_of_candidate: dict[int, set[int]] = {}
    for candidate_id, tag_id in Article.tags.through.objects.filter(
        article_id__in=list(shown), tag_id__in=all_tags
    ).values_list("article_id", "tag_id"):
        tags_of_candidate.setdefault(candidate_id, set()).add(tag_id)

    related = {}
    for article in articles:
        own_tags = set(tags_of[article.pk])
        positions = picks[article.pk]

        def rank(
            candidate: Article,
            positions: dict[int, int] = positions,
            own_tags: set[int] = own_tags,
            section_id: int | None = article.section_id,
        ) -> tuple:
            position = positions.get(candidate.pk)
            return (
                position is None,
                position or 0,
                -len(tags_of_candidate.get(candidate.pk, set()) & own_tags),
                -(section_id is not None and candidate.section_id == section_id),
                -cast(datetime, candidate.published_at).timestamp(),
                -candidate.pk,
            )

        ranked = sorted((shown[i] for i in candidates_of[article.pk] if i in shown), key=rank)
        related[article.pk] = ranked[:limit]
    return related


def _newest_of(
    tag_ids: set[int], per_tag: int, section_ids: set[int], per_section: int, now: datetime
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """The newest public article ids carrying each tag (within the related window) and of each
    section, newest first: each is a short walk down an index, sent together (UNION ALL)."""
    links, article = DocumentLink._meta.db_table, Article._meta.db_table
    window_start = now - timedelta(days=settings.ARTICLE_RELATED_WINDOW_DAYS)
    adapt = connection.ops.adapt_datetimefield_value
    public, public_params = public_sql("a", now)
    parts: list[tuple[str, list]] = []
    for tag_id in sorted(tag_ids):
        parts.append(
            (
                "SELECT 0, %s, x.article_id, x.published_at FROM (SELECT l.article_id, l.published_at"
                f" FROM {links} l WHERE l.key = %s"
                " AND l.published_at >= %s AND l.published_at <= %s ORDER BY l.published_at DESC LIMIT %s) x",
                [tag_id, f"tag-{tag_id}", adapt(window_start), adapt(now), per_tag],
            )
        )
    for section_id in sorted(section_ids):
        parts.append(
            (
                "SELECT 1, %s, x.id, x.published_at FROM (SELECT a.id, a.published_at"
                f" FROM {article} a WHERE a.section_id = %s AND {public}"
                " ORDER BY a.published_at DESC, a.id DESC LIMIT %s) x",
                [section_id, section_id, *public_params, per_section],
            )
        )
    rows: tuple[dict[int, list], dict[int, list]] = ({}, {})
    with connection.cursor() as cursor:
        for start in range(0, len(parts), _PARTS_PER_QUERY):
            chunk = parts[start : start + _PARTS_PER_QUERY]
            cursor.execute(" UNION ALL ".join(sql for sql, _ in chunk), [p for _, params in chunk for p in params])
            for kind, group, article_id, published_at in cursor.fetchall():
                rows[kind].setdefault(group, []).append((published_at, article_id))
    # Newest first within each (a compound statement promises no order of its own).
    tags, sections = (
        {group: [i for _, i in sorted(found, reverse=True)] for group, found in kind.items()} for kind in rows
    )
    return tags, sections


# SQLite takes at most 500 SELECTs in one compound statement.
_PARTS_PER_QUERY = 200


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
