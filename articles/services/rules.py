"""The rules every write shares: what may be written (inputs, fields), who may write, and the
fields derived from what was written (slug, summary, cleaned blocks)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from core import roles
from media.models import Image

from ..models import Article, Block
from ..text import clean_plain, cut, html_to_text, sanitize_inline_html, slug_from_title


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


def _ensure_can_create(by: User) -> None:
    if not roles.is_writer(by):
        raise PermissionDenied(_("Only writers and editors can create articles."))


def _ensure_can_edit(article: Article, by: User) -> None:
    if roles.is_editor(by):
        return
    if roles.is_writer(by) and article.created_by_id == by.pk and article.status == Article.Status.DRAFT:
        return
    raise PermissionDenied(_("Writers can change only their own drafts."))


# Editor tools on the row: a writer's draft takes the slug made from its title and no search boost.
EDITOR_ONLY_FIELDS = ("slug", "search_boost")


def _ensure_may_set(by: User, data: dict[str, Any], article: Article | None = None) -> None:
    """A writer sending an editor-only field with a value other than the one in place (none, on a
    new draft) is refused, naming the fields: nothing is saved."""
    if roles.is_editor(by):
        return
    current = {"slug": article.slug if article else "", "search_boost": article.search_boost if article else 0}
    refused = [
        field
        for field in EDITOR_ONLY_FIELDS
        if field in data and data[field] not in (None, "") and data[field] != current[field]
    ]
    if refused:
        raise PermissionDenied(_("Only editors may set %(fields)s.") % {"fields": ", ".join(refused)})


# --- derived fields ---------------------------------------------------------


def _unique_slug(base: str, *, exclude_pk: int | None) -> str:
    max_length = settings.ARTICLE_SLUG_MAX_CHARS
    rows = Article.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    taken = set(rows.values_list("slug", flat=True))
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
    # The column holds code points, not characters: a pasted pile of combining marks must fit too.
    column = Article._meta.get_field("derived_summary").max_length
    return cut(joined, limit - len(marker), marker, at_most=column)


# What one article may hold, whichever way it is written (the API's serializer says the same).
MAX_BLOCKS = 500
MAX_BLOCK_CHARS = 20000


def _clean_blocks(raw_blocks: Iterable[BlockInput | dict]) -> list[BlockInput]:
    cleaned: list[BlockInput] = []
    errors: list[str] = []
    allowed = set(Block.Type.values)
    raw_blocks = list(raw_blocks)
    if len(raw_blocks) > MAX_BLOCKS:
        raise ValidationError(
            {
                "body": [
                    _("The body has %(count)d blocks; at most %(most)d.")
                    % {"count": len(raw_blocks), "most": MAX_BLOCKS}
                ]
            }
        )
    for index, raw in enumerate(raw_blocks):
        block = raw if isinstance(raw, BlockInput) else BlockInput(**raw)
        if block.type not in allowed:
            errors.append(
                _("Block %(number)d: unknown type “%(type)s”; use one of %(types)s.")
                % {"number": index + 1, "type": block.type, "types": ", ".join(sorted(allowed))}
            )
            continue
        if block.type == Block.Type.IMAGE:
            if block.image is None:
                errors.append(_("Block %(number)d: an image block needs its photo.") % {"number": index + 1})
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
        if len(text) > MAX_BLOCK_CHARS:
            errors.append(
                _("Block %(number)d has %(count)d characters; at most %(most)d fit in one block: split it.")
                % {"number": index + 1, "count": len(text), "most": MAX_BLOCK_CHARS}
            )
            continue
        if not visible:
            errors.append(
                _("Block %(number)d: this %(type)s has no text.")
                % {"number": index + 1, "type": Block.Type(block.type).label}
            )
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
        errors["title"] = [_("The title cannot be empty.")]
    elif len(article.title) > 200:
        errors["title"] = [
            _("The title has %(count)d characters; at most 200 are allowed.") % {"count": len(article.title)}
        ]
    if len(article.summary) > settings.ARTICLE_SUMMARY_MAX_CHARS:
        errors["summary"] = [
            _("The summary may have at most %(most)d characters.") % {"most": settings.ARTICLE_SUMMARY_MAX_CHARS}
        ]
    if slug_given and article.slug and len(article.slug) > settings.ARTICLE_SLUG_MAX_CHARS:
        errors["slug"] = [
            _("The slug may have at most %(most)d characters.") % {"most": settings.ARTICLE_SLUG_MAX_CHARS}
        ]
    if errors:
        raise ValidationError(errors)


def _assign_slug(article: Article, *, requested: str | None, title_changed: bool) -> None:
    """Editors may set a slug; otherwise it follows the title until first publication."""
    if requested:
        if article.has_been_published and requested != article.slug:
            raise ValidationError({"slug": [_("The slug cannot change once the article has been published.")]})
        if Article.objects.filter(slug=requested).exclude(pk=article.pk).exists():
            raise ValidationError(
                {"slug": [_("The slug “%(slug)s” is already used by another article.") % {"slug": requested}]}
            )

        article.slug = requested
        return
    if article.slug and (article.has_been_published or not title_changed):
        return
    base = slug_from_title(article.title, settings.ARTICLE_SLUG_MAX_CHARS)
    # An empty transliteration (emoji, symbols) falls back to an id form once saved.
    article.slug = _unique_slug(base, exclude_pk=article.pk) if base else ""


def clean_block_for_admin(*, type: str, text: str, attribution: str, image: Image | None = None) -> BlockInput:
    """Sanitise one block typed in the admin, with the API's rules."""
    return _clean_blocks([BlockInput(type=type, text=text, attribution=attribution, image=image)])[0]
