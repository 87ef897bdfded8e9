"""Every write to articles and their taxonomy, one function per use case.

The admin, the editor API and Celery tasks all call these, so each rule
(rights, states, slugs, sanitising, derived fields) lives in one place.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from core import outbox, roles

from .models import (
    Article,
    Author,
    Block,
    Byline,
    Correction,
    EditSession,
    Outlet,
    RelatedPick,
    Revision,
    Section,
    StatusChange,
    Tag,
)
from .text import clean_plain, cut, html_to_text, sanitize_inline_html, slug_from_title

logger = logging.getLogger(__name__)


class ArticleStateError(Exception):
    """The article's state does not allow the transition (answered 409)."""

    def __init__(self, message: str, *, status: str) -> None:
        super().__init__(message)
        self.status = status


class ArticleVersionConflict(Exception):
    """The caller edited an older version (answered 412)."""

    def __init__(self, *, current_version: int) -> None:
        super().__init__(f"the article changed since you read it; the current version is {current_version}")
        self.current_version = current_version


class SlugConflict(Exception):
    """Another row took the slug between the check and the insert (answered 409)."""


@dataclass(frozen=True)
class BylineInput:
    author: Any
    role: str = "文"
    outlet: Any = None  # the outlet they wrote for; by default the one on record, else their affiliation


@dataclass(frozen=True)
class BlockInput:
    type: str
    text: str = ""
    attribution: str = ""
    image: Any = None


# Fields an editor may set directly on the row; relations are handled apart.
ROW_FIELDS = (
    "title",
    "slug",
    "summary",
    "section",
    "source",
    "original_url",
    "lead_image",
    "lead_image_caption",
    "search_boost",
)
_NULLABLE_FIELDS = ("section", "source", "lead_image")


# --- rights -----------------------------------------------------------------


def _ensure_can_create(by) -> None:
    if not roles.is_writer(by):
        raise PermissionDenied("Only writers and editors can create articles.")


def _ensure_can_edit(article: Article, by) -> None:
    if roles.is_editor(by):
        return
    if roles.is_writer(by) and article.created_by_id == by.pk and article.status == Article.Status.DRAFT:
        return
    raise PermissionDenied("Writers can change only their own drafts.")


def _ensure_editor(by, action: str) -> None:
    if not roles.is_editor(by):
        raise PermissionDenied(f"Only editors can {action} articles.")


# --- transitions ------------------------------------------------------------

_S = Article.Status


@dataclass(frozen=True)
class Transition:
    """One move of the workflow: the states it starts from, where it ends, who may make it."""

    name: str
    sources: tuple[str, ...]
    target: str
    editors_only: bool = True
    # Only while the article is not yet public (a schedule whose second has passed is public).
    before_public: bool = False

    def allows(self, article: Article) -> bool:
        return article.status in self.sources and not (self.before_public and article.is_published)


# The one table of the workflow: the services enforce it, the API answers by it (403 for who,
# 409 for the state), and the admin offers only the buttons it allows.
TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", (_S.DRAFT,), _S.REVIEW, editors_only=False),
        Transition("publish", (_S.DRAFT, _S.REVIEW, _S.SCHEDULED), _S.PUBLISHED),
        Transition("schedule", (_S.DRAFT, _S.REVIEW, _S.SCHEDULED), _S.SCHEDULED),
        Transition("unschedule", (_S.SCHEDULED,), _S.DRAFT, before_public=True),
        Transition("unpublish", (_S.PUBLISHED, _S.SCHEDULED), _S.ARCHIVED),
    )
}

_REFUSED = {
    "submit": "Only drafts can be submitted; this article is {status}.",
    "publish": "Cannot publish an article that is {status}.",
    "schedule": "Cannot schedule an article that is {status}.",
    "unschedule": "Only a schedule that has not gone out can be cancelled.",
    "unpublish": "Cannot unpublish an article that is {status}.",
}


def _may_move(transition: Transition, article: Article, by) -> bool:
    if roles.is_editor(by):
        return True
    # A writer moves only their own articles, and only where the table lets writers.
    return not transition.editors_only and roles.is_writer(by) and article.created_by_id == by.pk


def transition_allowed(name: str, article: Article, by) -> bool:
    """Whether `by` may make this move now (what the admin's buttons show)."""
    transition = TRANSITIONS[name]
    return _may_move(transition, article, by) and transition.allows(article)


def _check_mover(name: str, article: Article, by) -> None:
    transition = TRANSITIONS[name]
    if not _may_move(transition, article, by):
        if transition.editors_only:
            raise PermissionDenied(f"Only editors can {name} articles.")
        raise PermissionDenied("Writers can move only their own articles.")


def _check_transition(name: str, article: Article, by) -> Transition:
    """Who first (PermissionDenied, 403), then the state (ArticleStateError, 409)."""
    transition = TRANSITIONS[name]
    _check_mover(name, article, by)
    if not transition.allows(article):
        raise ArticleStateError(_REFUSED[name].format(status=article.status), status=article.status)
    return transition


# --- derived fields ---------------------------------------------------------


def _unique_slug(base: str, *, exclude_pk: int | None) -> str:
    max_length = settings.ARTICLE_SLUG_MAX_CHARS
    taken = set(Article.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True))
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def summary_from_blocks(blocks: Sequence[BlockInput]) -> str:
    """Plain text from the opening paragraphs only: never headings, quotes or captions."""
    limit = settings.ARTICLE_SUMMARY_MAX_CHARS
    marker = "..."
    pieces: list[str] = []
    length = 0
    for block in blocks:
        if block.type != Block.Type.PARAGRAPH:
            continue
        text = html_to_text(block.text)
        if not text:
            continue
        pieces.append(text)
        length += len(text)
        if length > limit:
            break
    joined = ""
    for piece in pieces:
        # Chinese paragraphs join directly; Latin ones need a space between.
        joined += (" " if joined and joined[-1].isascii() and piece[0].isascii() else "") + piece
    return cut(joined, limit - len(marker), marker)


def _clean_blocks(raw_blocks: Iterable[BlockInput | dict]) -> list[BlockInput]:
    cleaned: list[BlockInput] = []
    errors: list[str] = []
    allowed = set(Block.Type.values)
    for index, raw in enumerate(raw_blocks):
        block = raw if isinstance(raw, BlockInput) else BlockInput(**raw)
        if block.type not in allowed:
            errors.append(f"block {index}: unknown type {block.type!r}; use one of {', '.join(sorted(allowed))}")
            continue
        if block.type == Block.Type.IMAGE:
            if block.image is None:
                errors.append(f"block {index}: an image block needs its image")
                continue
            # The caption is optional: the photo's own caption stands in for it.
            cleaned.append(BlockInput(type=block.type, text=clean_plain(block.text or "")[:1000], image=block.image))
            continue
        if block.type == Block.Type.PARAGRAPH:
            text = sanitize_inline_html(block.text or "")
            visible = html_to_text(text)
        else:
            text = clean_plain(block.text or "")
            visible = text
        if not visible:
            errors.append(f"block {index}: {block.type} has no text")
            continue
        attribution = clean_plain(block.attribution or "") if block.type == Block.Type.QUOTE else ""
        cleaned.append(BlockInput(type=block.type, text=text, attribution=attribution[:200]))
    if errors:
        raise ValidationError({"body": errors})
    return cleaned


def _validate_row(article: Article, *, slug_given: bool) -> None:
    article.title = clean_plain(article.title or "")
    article.summary = clean_plain(article.summary or "")
    errors: dict[str, list[str]] = {}
    if not article.title:
        errors["title"] = ["The title cannot be empty."]
    elif len(article.title) > 200:
        errors["title"] = [f"The title has {len(article.title)} characters; at most 200 are allowed."]
    if len(article.summary) > settings.ARTICLE_SUMMARY_MAX_CHARS:
        errors["summary"] = [f"The summary may have at most {settings.ARTICLE_SUMMARY_MAX_CHARS} characters."]
    if slug_given and article.slug and len(article.slug) > settings.ARTICLE_SLUG_MAX_CHARS:
        errors["slug"] = [f"The slug may have at most {settings.ARTICLE_SLUG_MAX_CHARS} characters."]
    if errors:
        raise ValidationError(errors)


def _assign_slug(article: Article, *, requested: str | None, title_changed: bool) -> None:
    """Editors may set a slug; otherwise it follows the title until first publication."""
    if requested:
        if article.has_been_published and requested != article.slug:
            raise ValidationError({"slug": ["The slug cannot change once the article has been published."]})
        if Article.objects.filter(slug=requested).exclude(pk=article.pk).exists():
            raise ValidationError({"slug": [f"The slug {requested!r} is already used by another article."]})
        article.slug = requested
        return
    if article.slug and (article.has_been_published or not title_changed):
        return
    base = slug_from_title(article.title, settings.ARTICLE_SLUG_MAX_CHARS)
    # An empty transliteration (emoji, symbols) falls back to an id form once saved.
    article.slug = _unique_slug(base, exclude_pk=article.pk) if base else ""


# --- revisions --------------------------------------------------------------


def _snapshot_queryset(queryset):
    return queryset.select_related("section", "source").prefetch_related(
        "tags",
        models.Prefetch("bylines", queryset=Byline.objects.select_related("author").order_by("position", "id")),
        models.Prefetch("blocks", queryset=Block.objects.order_by("position", "id")),
        models.Prefetch("picks", queryset=RelatedPick.objects.select_related("to_article").order_by("position", "id")),
        "corrections",
    )


def _snapshot_of(article: Article) -> dict[str, Any]:
    """Everything an editor set on the article, with names beside ids so it reads on its own."""
    return {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "derived_summary": article.derived_summary,
        "section": {"id": article.section_id, "name": article.section.name} if article.section_id else None,
        "tags": [{"id": t.pk, "name": t.name} for t in sorted(article.tags.all(), key=lambda t: (t.name, t.pk))],
        "source": {"id": article.source_id, "name": article.source.name} if article.source_id else None,
        "original_url": article.original_url,
        "lead_image": article.lead_image_id,
        "lead_image_caption": article.lead_image_caption,
        "bylines": [{"author": b.author_id, "name": b.author.name, "role": b.role} for b in article.bylines.all()],
        "body": [
            {"type": b.type, "text": b.text, "attribution": b.attribution, "image": b.image_id}
            for b in article.blocks.all()
        ],
        "related": [{"id": p.to_article_id, "name": p.to_article.title} for p in article.picks.all()],
        "corrections": [{"text": c.text, "created_at": c.created_at.isoformat()} for c in article.corrections.all()],
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
    }


def _snapshot(article_id: int) -> dict[str, Any]:
    return _snapshot_of(_snapshot_queryset(Article.objects.filter(pk=article_id)).get())


def revision_baseline(*, article_ids: Iterable[int], by) -> int:
    """Keep a first revision for articles written in bulk (demo content, imports) that have none."""
    ids = list(article_ids)
    have = set(Revision.objects.filter(article_id__in=ids).values_list("article_id", flat=True).distinct())
    made = 0
    for start in range(0, len(ids), 500):
        chunk = [i for i in ids[start : start + 500] if i not in have]
        rows = [
            Revision(
                article=article,
                number=1,
                version=article.version,
                action=Revision.Action.CREATED,
                created_by=by,
                created_at=article.created_at,
                data=_snapshot_of(article),
            )
            for article in _snapshot_queryset(Article.objects.filter(pk__in=chunk))
        ]
        Revision.objects.bulk_create(rows)
        made += len(rows)
    return made


def _record_revision(
    article_id: int, *, by, action: str, restored_from: int | None = None, note: str = "", data: dict | None = None
) -> Revision:
    """Keep what the article is now (`data`, when the caller has just taken its snapshot).
    Callers hold the article's row lock, so numbers don't collide."""
    last = Revision.objects.filter(article_id=article_id).order_by("-number").values_list("number", flat=True).first()
    return Revision.objects.create(
        article_id=article_id,
        number=(last or 0) + 1,
        version=Article.objects.filter(pk=article_id).values_list("version", flat=True).get(),
        action=action,
        restored_from=restored_from,
        note=note[:500],
        created_by=by,
        data=_snapshot(article_id) if data is None else data,
    )


def _restorable(data: dict[str, Any], article: Article) -> tuple[dict[str, Any], list[str]]:
    """`article_update` input from a snapshot; things deleted since are left out and named."""
    image_model = Article._meta.get_field("lead_image").related_model
    gone: list[str] = []

    def existing(model, ids) -> dict[int, Any]:
        return model._default_manager.in_bulk([i for i in ids if i is not None])

    out: dict[str, Any] = {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "original_url": data.get("original_url", ""),
        "lead_image_caption": data.get("lead_image_caption", ""),
    }
    slug = data.get("slug") or ""
    if (
        slug
        and not article.has_been_published
        and not Article.objects.filter(slug=slug).exclude(pk=article.pk).exists()
    ):
        out["slug"] = slug
    for field, model, label in (("section", Section, "section"), ("source", Outlet, "outlet")):
        ref = data.get(field)
        found = existing(model, [ref["id"]]).get(ref["id"]) if ref else None
        if ref and found is None:
            gone.append(f"{label} {ref.get('name')}")
        out[field] = found
    lead = data.get("lead_image")
    out["lead_image"] = existing(image_model, [lead]).get(lead) if lead else None
    if lead and out["lead_image"] is None:
        gone.append(f"lead photo {lead}")
    tags = existing(Tag, [t["id"] for t in data.get("tags", [])])
    out["tags"] = list(tags.values())
    gone += [f"tag {t['name']}" for t in data.get("tags", []) if t["id"] not in tags]
    authors = existing(Author, [b["author"] for b in data.get("bylines", [])])
    out["bylines"] = [
        BylineInput(author=authors[b["author"]], role=b["role"])
        for b in data.get("bylines", [])
        if b["author"] in authors
    ]
    gone += [f"author {b['name']}" for b in data.get("bylines", []) if b["author"] not in authors]
    images = existing(image_model, [b.get("image") for b in data.get("body", [])])
    body = []
    for block in data.get("body", []):
        if block["type"] == Block.Type.IMAGE and block.get("image") not in images:
            gone.append(f"photo {block.get('image')}")
            continue
        body.append(
            BlockInput(
                type=block["type"],
                text=block.get("text", ""),
                attribution=block.get("attribution", ""),
                image=images.get(block.get("image")),
            )
        )
    out["body"] = body
    related = existing(Article, [r["id"] for r in data.get("related", [])])
    related = {pk: item for pk, item in related.items() if item.is_published}  # picks must be public
    out["related"] = [related[r["id"]] for r in data.get("related", []) if r["id"] in related]
    gone += [f"related article {r['name']}" for r in data.get("related", []) if r["id"] not in related]
    return out, gone


@transaction.atomic
def article_restore(*, article_id: int, number: int, by, expected_version: int | None = None) -> Article:
    """Make revision `number` the article's content again, as a new revision.

    The workflow state, times and corrections stay as they are: restoring brings back
    what was written, not whether it was public. Raises Revision.DoesNotExist (404).
    """
    article = Article.objects.select_for_update().get(pk=article_id)
    _ensure_can_edit(article, by)
    revision = Revision.objects.get(article_id=article_id, number=number)
    data, gone = _restorable(revision.data, article)
    note = ("not restored, deleted since: " + "; ".join(gone)) if gone else ""
    return article_update(
        article_id=article_id,
        by=by,
        expected_version=expected_version,
        data=data,
        action=Revision.Action.RESTORED,
        restored_from=number,
        note=note,
    )


# --- writes -----------------------------------------------------------------


def _write_relations(
    article: Article,
    *,
    tags: Iterable | None,
    bylines: Sequence[BylineInput | dict] | None,
    body: Sequence[BlockInput] | None,
    related: Sequence | None,
) -> None:
    if tags is not None:
        article.tags.set(list(tags))
    if bylines is not None:
        # An author already credited keeps the outlet they wrote for; a new one brings theirs now.
        outlets = dict(Byline.objects.filter(article=article).values_list("author_id", "outlet_id"))
        seen: set[tuple[int, str]] = set()
        rows = []
        for position, raw in enumerate(bylines):
            byline = raw if isinstance(raw, BylineInput) else BylineInput(**raw)
            role = clean_plain(byline.role or "") or "文"
            key = (byline.author.pk, role)
            if key in seen:
                continue
            seen.add(key)
            outlet = byline.outlet.pk if byline.outlet else outlets.get(byline.author.pk, byline.author.affiliation_id)
            rows.append(
                Byline(article=article, author=byline.author, role=role[:20], position=position, outlet_id=outlet)
            )
        Byline.objects.filter(article=article).delete()
        Byline.objects.bulk_create(rows)
    if body is not None:
        Block.objects.filter(article=article).delete()
        Block.objects.bulk_create(
            Block(article=article, position=index, type=b.type, text=b.text, attribution=b.attribution, image=b.image)
            for index, b in enumerate(body)
        )
    if related is not None:
        picks = []
        for item in related:
            if item.pk == article.pk:
                raise ValidationError({"related": ["An article cannot be related to itself."]})
            if not item.is_published:
                # Picks are printed to readers and their titles kept in revisions: public ones only.
                raise ValidationError({"related": [f"Article {item.pk} is not published; pick published articles."]})
            if item.pk not in {p.pk for p in picks}:
                picks.append(item)
        if len(picks) > settings.ARTICLE_RELATED_LIMIT:
            raise ValidationError({"related": [f"Pick at most {settings.ARTICLE_RELATED_LIMIT} related articles."]})
        RelatedPick.objects.filter(from_article=article).delete()
        RelatedPick.objects.bulk_create(
            RelatedPick(from_article=article, to_article=item, position=index) for index, item in enumerate(picks)
        )


def _record_change(article: Article, *, was_public: bool, deleted: bool = False) -> None:
    """Put the change in the outbox, in this transaction.

    A change readers cannot see (a draft's, an article in review or archived) is recorded as
    `article.edited` with no keys: it purges nothing and stored documents ignore it, but the
    search index follows it, as editors search drafts. A schedule purges list pages (`list`).
    """
    is_public = not deleted and article.is_published
    # The article's own answers, and list pages filtered by words (their matches may change).
    # The documents consumer adds `list` when the change moves the article between pages.
    keys = [f"article-{article.pk}", "search"]
    if deleted and was_public:
        kind = "article.deleted"
    elif is_public and not was_public:
        kind = "article.published"
    elif was_public and not is_public:
        kind = "article.unpublished"
    elif is_public:
        kind = "article.updated"
    elif article.status == Article.Status.SCHEDULED:
        # Not public yet, but it joins list pages at its second with no event (public reads
        # treat a passed schedule as published): pages cached now must end by then, so they
        # are rebuilt with the new schedule as their horizon, in our cache and a CDN's.
        kind, keys = "article.edited", ["list"]
    else:
        kind, keys = "article.edited", []
    outbox.record(
        type=kind,
        subject=f"article:{article.pk}",
        keys=keys,
        # Title and slug too: webhooks name an unpublished or deleted article, whose row and
        # document readers can no longer reach.
        data={
            "id": article.pk,
            "status": "deleted" if deleted else article.status,
            "title": article.title,
            "slug": article.slug,
        },
    )


def _save_with_id_slug(article: Article) -> None:
    try:
        with transaction.atomic():
            article.save()
            if not article.slug:
                article.slug = f"article-{article.pk}"
                article.save(update_fields=["slug"])
    except IntegrityError as error:
        if "slug" in str(error).lower():
            raise SlugConflict("another article took this slug at the same moment; try again") from error
        raise


@transaction.atomic
def article_create(
    *,
    by,
    title: str,
    slug: str = "",
    summary: str = "",
    section=None,
    source=None,
    original_url: str = "",
    lead_image=None,
    lead_image_caption: str = "",
    search_boost: int = 0,
    tags: Iterable = (),
    bylines: Sequence[BylineInput | dict] = (),
    body: Sequence[BlockInput | dict] = (),
    related: Sequence = (),
) -> Article:
    """Create a draft owned by `by`."""
    _ensure_can_create(by)
    article = Article(
        title=title,
        search_boost=search_boost,
        summary=summary,
        section=section,
        source=source,
        original_url=original_url or "",
        lead_image=lead_image,
        lead_image_caption=clean_plain(lead_image_caption or "")[:500],
        created_by=by,
        updated_by=by,
    )
    _validate_row(article, slug_given=bool(slug))
    blocks = _clean_blocks(body)
    _assign_slug(article, requested=slug or None, title_changed=True)
    article.derived_summary = summary_from_blocks(blocks)
    _save_with_id_slug(article)
    StatusChange.objects.create(article=article, from_status="", to_status=article.status, by=by)
    _write_relations(article, tags=tags, bylines=bylines, body=blocks, related=related)
    _record_revision(article.pk, by=by, action=Revision.Action.CREATED)
    _record_change(article, was_public=False)
    return article


@transaction.atomic
def article_update(
    *,
    article_id: int,
    by,
    expected_version: int | None,
    data: dict[str, Any],
    action: str = Revision.Action.EDITED,
    restored_from: int | None = None,
    note: str = "",
) -> Article:
    """Change an article. `expected_version` guards against overwriting a newer edit."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _ensure_can_edit(article, by)
    if expected_version is not None and expected_version != article.version:
        raise ArticleVersionConflict(current_version=article.version)
    was_public = article.is_published
    before, boost = _snapshot(article_id), article.search_boost
    try:
        with transaction.atomic():
            after = _apply_update(article, by=by, data=data)
            if action == Revision.Action.EDITED and after == before and article.search_boost == boost:
                raise _Unchanged
    except _Unchanged:
        # Saving what is already there (a form saved twice, a client retrying) is not an edit:
        # no new version, no empty revision, nothing announced.
        return Article.objects.get(pk=article_id)
    _record_revision(article.pk, by=by, action=action, restored_from=restored_from, note=note, data=after)
    _record_change(article, was_public=was_public)
    return article


class _Unchanged(Exception):
    """Raised inside `article_update`'s savepoint to undo a save that changed nothing."""


def _apply_update(article: Article, *, by, data: dict[str, Any]) -> dict[str, Any]:
    """Write `data` over the locked article and its relations; its snapshot afterwards."""
    old_title = article.title
    for field in ROW_FIELDS:
        if field == "slug" or field not in data:
            continue
        value = data[field]
        if value is None and field not in _NULLABLE_FIELDS:
            value = ""
        setattr(article, field, value)
    requested_slug = data.get("slug") or None
    _validate_row(article, slug_given=requested_slug is not None)
    blocks = _clean_blocks(data["body"]) if "body" in data else None
    _assign_slug(article, requested=requested_slug, title_changed=article.title != old_title)
    if blocks is not None:
        article.derived_summary = summary_from_blocks(blocks)
    article.version = models.F("version") + 1
    article.updated_by = by
    article.updated_at = timezone.now()
    _save_with_id_slug(article)
    article.refresh_from_db(fields=["version"])
    _write_relations(
        article,
        tags=data.get("tags"),
        bylines=data.get("bylines"),
        body=blocks,
        related=data.get("related"),
    )
    return _snapshot(article.pk)


_ACTION_FOR_STATUS = {
    Article.Status.REVIEW: Revision.Action.SUBMITTED,
    Article.Status.PUBLISHED: Revision.Action.PUBLISHED,
    Article.Status.SCHEDULED: Revision.Action.SCHEDULED,
    Article.Status.DRAFT: Revision.Action.UNSCHEDULED,
    Article.Status.ARCHIVED: Revision.Action.UNPUBLISHED,
}


def _transition(article: Article, *, by, status: str, extra_fields: Sequence[str] = ()) -> Article:
    was_public = article.is_published
    StatusChange.objects.create(article=article, from_status=article.status, to_status=status, by=by)
    article.status = status
    article.version = models.F("version") + 1
    article.updated_by = by
    article.updated_at = timezone.now()
    article.save(update_fields=["status", "version", "updated_by", "updated_at", *extra_fields])
    article.refresh_from_db(fields=["version"])
    _record_revision(article.pk, by=by, action=_ACTION_FOR_STATUS[status])
    _record_change(article, was_public=was_public)
    return article


@transaction.atomic
def article_submit(*, article_id: int, by) -> Article:
    """A writer hands a draft to the editors."""
    article = Article.objects.select_for_update().get(pk=article_id)
    return _transition(article, by=by, status=_check_transition("submit", article, by).target)


@transaction.atomic
def article_publish(*, article_id: int, by) -> Article:
    """Publish now. Derived work is announced only once the commit succeeds."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _check_transition("publish", article, by)
    now = timezone.now()
    article.published_at = now
    if article.first_published_at is None:
        article.first_published_at = now
    return _transition(
        article, by=by, status=Article.Status.PUBLISHED, extra_fields=["published_at", "first_published_at"]
    )


def schedule_time_check(at) -> None:
    """A schedule is a time in the future, and not so far that it is surely a typo of the year."""
    now = timezone.now()
    if at is None or at <= now:
        raise ValidationError({"at": ["Give a time in the future, with its offset (e.g. 2026-12-01T08:00:00+08:00)."]})
    if at > now + timedelta(days=settings.SCHEDULE_MAX_DAYS_AHEAD):
        raise ValidationError(
            {"at": [f"That is more than {settings.SCHEDULE_MAX_DAYS_AHEAD} days ahead; check the year."]}
        )


@transaction.atomic
def article_schedule(*, article_id: int, by, at) -> Article:
    """Publish at `at`, to the second: public reads treat a passed schedule as published, so
    nothing waits for a worker; `publish_due` then flips the state and runs the effects once."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _check_mover("schedule", article, by)
    schedule_time_check(at)
    _check_transition("schedule", article, by)
    article.published_at = at
    return _transition(article, by=by, status=Article.Status.SCHEDULED, extra_fields=["published_at"])


@transaction.atomic
def article_unschedule(*, article_id: int, by) -> Article:
    """Cancel a schedule that has not gone out: the article is a draft again."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _check_transition("unschedule", article, by)
    article.published_at = None
    return _transition(article, by=by, status=Article.Status.DRAFT, extra_fields=["published_at"])


def publish_due(*, now=None) -> list[int]:
    """Flip every scheduled article whose time has come to published, each exactly once.

    Each row is locked and its state checked again inside its own transaction, so two
    runs at once (two workers, or the command beside beat) publish and announce it once;
    a run killed midway rolls back and the next run does it.
    """
    now = now or timezone.now()
    due = list(
        Article.objects.filter(status=Article.Status.SCHEDULED, published_at__lte=now)
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)
    )
    published = []
    for article_id in due:
        with transaction.atomic():
            article = (
                Article.objects.select_for_update(skip_locked=True)
                .filter(pk=article_id, status=Article.Status.SCHEDULED, published_at__lte=now)
                .first()
            )
            if article is None:
                continue  # another run has it, or it was changed meanwhile
            StatusChange.objects.create(article=article, from_status=article.status, to_status="published", by=None)
            article.status = Article.Status.PUBLISHED
            fields = ["status"]
            if article.first_published_at is None:
                article.first_published_at = article.published_at
                fields.append("first_published_at")
            article.save(update_fields=fields)
            _record_revision(article_id, by=None, action=Revision.Action.PUBLISHED, note="published on schedule")
            _record_change(article, was_public=False)
            published.append(article_id)
    return published


@transaction.atomic
def article_unpublish(*, article_id: int, by) -> Article:
    """Take a published article down; it is kept as archived."""
    article = Article.objects.select_for_update().get(pk=article_id)
    return _transition(article, by=by, status=_check_transition("unpublish", article, by).target)


@transaction.atomic
def article_delete(*, article_id: int, by) -> None:
    article = Article.objects.select_for_update().get(pk=article_id)
    _ensure_can_edit(article, by)
    _record_change(article, was_public=article.is_published, deleted=True)
    article.delete()


@transaction.atomic
def correction_add(*, article_id: int, by, text: str) -> Correction:
    article = Article.objects.select_for_update().get(pk=article_id)
    _ensure_editor(by, "correct")
    if not article.is_published:
        raise ArticleStateError(
            f"Corrections go on published articles; this one is {article.status}. Edit it instead.",
            status=article.status,
        )
    text = clean_plain(text)
    if not text:
        raise ValidationError({"text": ["A correction needs its text."]})
    correction = Correction.objects.create(article=article, text=text, created_by=by)
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now(), version=models.F("version") + 1)
    _record_revision(article.pk, by=by, action=Revision.Action.CORRECTED)
    _record_change(article, was_public=article.is_published)
    return correction


def clean_block_for_admin(*, type: str, text: str, attribution: str, image=None) -> BlockInput:
    """Sanitise one block typed in the admin, with the API's rules."""
    return _clean_blocks([BlockInput(type=type, text=text, attribution=attribution, image=image)])[0]


# --- taxonomy ----------------------------------------------------------------


def taxonomy_slug(instance: models.Model, *, source: str) -> str:
    """A unique slug for an author, section, tag or outlet, from its name."""
    model = type(instance)
    max_length = model._meta.get_field("slug").max_length
    base = slug_from_title(source, max_length) or model._meta.model_name
    taken = set(
        model._default_manager.filter(slug__startswith=base).exclude(pk=instance.pk).values_list("slug", flat=True)
    )
    candidate, number = base, 2
    while candidate in taken:
        candidate = f"{base[: max_length - 4]}-{number}"
        number += 1
    return candidate


@transaction.atomic
def taxonomy_save(*, instance: models.Model, by) -> models.Model:
    """Save an author, section, tag or outlet; public responses show them, so purge."""
    _ensure_editor(by, "manage the names used by")
    if not getattr(instance, "slug", ""):
        instance.slug = taxonomy_slug(instance, source=instance.name)
    instance.full_clean()
    instance.save()
    _record_taxonomy(instance, "updated")
    return instance


def _record_taxonomy(instance: models.Model, action: str) -> None:
    """Authors, sections, tags and outlets are printed in list items and details."""
    name = instance._meta.model_name
    outbox.record(
        type=f"{name}.{action}",
        subject=f"{name}:{instance.pk}",
        keys=[f"{name}-{instance.pk}", "list"],
        data={"id": instance.pk},
    )


class InUse(Exception):
    """A row still referenced by articles (answered 409)."""


@transaction.atomic
def taxonomy_delete(*, instance: models.Model, by) -> None:
    _ensure_editor(by, "manage the names used by")
    pk = instance.pk
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as error:
        count = len(error.protected_objects)
        raise InUse(f"{instance} is still used by {count} article(s) or byline(s); change those first.") from error
    instance.pk = pk
    _record_taxonomy(instance, "deleted")


# --- who has an article open (admin soft lock) --------------------------------


def edit_session_touch(*, article_id: int, user, opened_version: int | None = None) -> None:
    """Say `user` has the article open now; `opened_version` is given when the page is (re)loaded."""
    now = timezone.now()
    defaults: dict[str, Any] = {"seen_at": now}
    if opened_version is not None:
        defaults.update(opened_at=now, opened_version=opened_version)
    EditSession.objects.update_or_create(article_id=article_id, user=user, defaults=defaults)
    # Lapsed sessions are only history; keep the table small.
    EditSession.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()


def edit_session_leave(*, article_id: int, user) -> None:
    EditSession.objects.filter(article_id=article_id, user=user).delete()
