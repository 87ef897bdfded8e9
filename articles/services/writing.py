"""Writing an article: create, update, restore, delete, and corrections on published ones."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import roles
from core.i18n import site_language
from media.models import Image

from ..models import (
    Article,
    Author,
    Block,
    Byline,
    Correction,
    Outlet,
    RelatedPick,
    Revision,
    Section,
    StatusChange,
    Tag,
)
from ..text import clean_plain
from .changes import record_change
from .errors import ArticleStateError, ArticleVersionConflict, SlugConflict
from .revisions import record_revision, snapshot
from .rules import (
    _NULLABLE_FIELDS,
    ROW_FIELDS,
    BlockInput,
    BylineInput,
    _assign_slug,
    _clean_blocks,
    _ensure_can_create,
    _ensure_can_edit,
    _ensure_may_set,
    _validate_row,
    summary_from_blocks,
)


def _restorable(data: dict[str, Any], article: Article) -> tuple[dict[str, Any], list[str]]:
    """`article_update` input from a snapshot; things deleted since are left out and named."""
    image_model = Article._meta.get_field("lead_image").related_model
    gone: list[str] = []

    def existing(model: Any, ids: Iterable[int | None]) -> dict[int, Any]:
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
    for field, model, label in (("section", Section, _("section %(name)s")), ("source", Outlet, _("outlet %(name)s"))):
        ref = data.get(field)
        found = existing(model, [ref["id"]]).get(ref["id"]) if ref else None
        if ref and found is None:
            gone.append(label % {"name": ref.get("name")})
        out[field] = found
    lead = data.get("lead_image")
    out["lead_image"] = existing(image_model, [lead]).get(lead) if lead else None
    if lead and out["lead_image"] is None:
        gone.append(_("lead photo %(id)s") % {"id": lead})
    tags = existing(Tag, [t["id"] for t in data.get("tags", [])])
    out["tags"] = list(tags.values())
    gone += [_("tag %(name)s") % {"name": t["name"]} for t in data.get("tags", []) if t["id"] not in tags]
    authors = existing(Author, [b["author"] for b in data.get("bylines", [])])
    out["bylines"] = [
        BylineInput(author=authors[b["author"]], role=b["role"])
        for b in data.get("bylines", [])
        if b["author"] in authors
    ]
    gone += [_("author %(name)s") % {"name": b["name"]} for b in data.get("bylines", []) if b["author"] not in authors]
    images = existing(image_model, [b.get("image") for b in data.get("body", [])])
    body = []
    for block in data.get("body", []):
        if block["type"] == Block.Type.IMAGE and block.get("image") not in images:
            gone.append(_("photo %(id)s") % {"id": block.get("image")})
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
    gone += [
        _("related article %(name)s") % {"name": r["name"]} for r in data.get("related", []) if r["id"] not in related
    ]
    return out, gone


@transaction.atomic
def article_restore(*, article_id: int, number: int, by: User, expected_version: int | None = None) -> Article:
    """Make revision `number` the article's content again, as a new revision.

    The workflow state, times and corrections stay as they are: restoring brings back
    what was written, not whether it was public. Raises Revision.DoesNotExist (404).
    """
    article = Article.objects.select_for_update().get(pk=article_id)
    _ensure_can_edit(article, by)
    revision = Revision.objects.get(article_id=article_id, number=number)
    with site_language():  # the note is kept in the history every editor reads
        data, gone = _restorable(revision.data, article)
        note = (_("Not restored, deleted since: %(items)s") % {"items": "; ".join(gone)}) if gone else ""
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
        picks: list[Article] = []
        for item in related:
            if item.pk == article.pk:
                raise ValidationError({"related": [_("An article cannot be related to itself.")]})
            if not item.is_published:
                # Picks are printed to readers and their titles kept in revisions: public ones only.
                raise ValidationError(
                    {"related": [_("Article %(id)d is not published; pick published articles.") % {"id": item.pk}]}
                )
            if item.pk not in {p.pk for p in picks}:
                picks.append(item)
        if len(picks) > settings.ARTICLE_RELATED_LIMIT:
            raise ValidationError(
                {"related": [_("Pick at most %(most)d related articles.") % {"most": settings.ARTICLE_RELATED_LIMIT}]}
            )
        RelatedPick.objects.filter(from_article=article).delete()
        RelatedPick.objects.bulk_create(
            RelatedPick(from_article=article, to_article=item, position=index) for index, item in enumerate(picks)
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
            raise SlugConflict(_("Another article took this slug at the same moment; try again.")) from error
        raise


@transaction.atomic
def article_create(
    *,
    by: User,
    title: str,
    slug: str = "",
    summary: str = "",
    section: Section | None = None,
    source: Outlet | None = None,
    original_url: str = "",
    lead_image: Image | None = None,
    lead_image_caption: str = "",
    search_boost: int = 0,
    tags: Iterable = (),
    bylines: Sequence[BylineInput | dict] = (),
    body: Sequence[BlockInput | dict] = (),
    related: Sequence = (),
) -> Article:
    """Create a draft owned by `by`."""
    _ensure_can_create(by)
    _ensure_may_set(by, {"slug": slug, "search_boost": search_boost})
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
    record_revision(article.pk, by=by, action=Revision.Action.CREATED)
    record_change(article, was_public=False)
    return article


@transaction.atomic
def article_update(
    *,
    article_id: int,
    by: User,
    expected_version: int | None,
    data: dict[str, Any],
    action: str = Revision.Action.EDITED,
    restored_from: int | None = None,
    note: str = "",
) -> Article:
    """Change an article. `expected_version` guards against overwriting a newer edit."""
    article = Article.objects.select_for_update().get(pk=article_id)
    _ensure_can_edit(article, by)
    if action != Revision.Action.RESTORED:  # a restore brings back what was in place before
        _ensure_may_set(by, data, article)
    if expected_version is not None and expected_version != article.version:
        raise ArticleVersionConflict(current_version=article.version)
    was_public = article.is_published
    before, boost = snapshot(article_id), article.search_boost
    try:
        with transaction.atomic():
            after = _apply_update(article, by=by, data=data)
            if action == Revision.Action.EDITED and after == before and article.search_boost == boost:
                raise _Unchanged
    except _Unchanged:
        # Saving what is already there (a form saved twice, a client retrying) is not an edit:
        # no new version, no empty revision, nothing announced.
        return Article.objects.get(pk=article_id)
    record_revision(article.pk, by=by, action=action, restored_from=restored_from, note=note, data=after)
    record_change(article, was_public=was_public)
    return article


class _Unchanged(Exception):
    """Raised inside `article_update`'s savepoint to undo a save that changed nothing."""


def _apply_update(article: Article, *, by: User, data: dict[str, Any]) -> dict[str, Any]:
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
    return snapshot(article.pk)


@transaction.atomic
def article_delete(*, article_id: int, by: User) -> None:
    article = Article.objects.select_for_update().get(pk=article_id)
    _ensure_can_edit(article, by)
    record_change(article, was_public=article.is_published, deleted=True)
    article.delete()


@transaction.atomic
def correction_add(*, article_id: int, by: User, text: str) -> Correction:
    article = Article.objects.select_for_update().get(pk=article_id)
    roles.require_editor(by, _("Only editors can add corrections."))
    if not article.is_published:
        raise ArticleStateError(
            _("Corrections go on published articles; this one is %(status)s. Edit it instead.")
            % {"status": article.get_status_display()},
            status=article.status,
        )
    text = clean_plain(text)
    if not text:
        raise ValidationError({"text": [_("A correction needs its text.")]})

    correction = Correction.objects.create(article=article, text=text, created_by=by)
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now(), version=models.F("version") + 1)
    record_revision(article.pk, by=by, action=Revision.Action.CORRECTED)
    record_change(article, was_public=article.is_published)
    return correction
