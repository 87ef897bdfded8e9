"""Rendering a published document: an article's detail and list item, rendered once with the
public representation (`representation`) and stored as bytes cut around the view count, with
the surrogate keys of everything they show and the moment they may next be wrong."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

import orjson
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceUnavailable
from media.models import Image

from .. import selectors
from ..models import PUBLIC_STATUSES, Article, Block, Document, DocumentLink
from .representation import detail_representation, item_representation

logger = logging.getLogger(__name__)

# A view count no article has: rendered in its place, then cut out of the bytes.
SENTINEL = 918_273_645_546_372_819
MARK = b'"view_count":' + str(SENTINEL).encode()
VIEW_COUNT = b'"view_count":'


def split(body: bytes) -> tuple[bytes, bytes]:
    head, found, tail = body.partition(MARK)
    if not found:
        raise ValueError("the rendered answer has no view count to cut around")
    return head + VIEW_COUNT, tail


def join(head: bytes, view_count: int, tail: bytes) -> bytes:
    return b"".join((head, str(view_count).encode(), tail))


def _shown_images(article: Article, related: list[Article]) -> list[Image]:
    images = [article.lead_image] if article.lead_image_id else []
    images += [block.image for block in article.blocks.all() if block.type == Block.Type.IMAGE and block.image_id]
    images += [item.lead_image for item in related if item.lead_image_id]
    return [image for image in images if image is not None]


# No moment of its own: a document with no photo rights running out and no schedule ahead.
NEVER = datetime(9000, 1, 1, tzinfo=UTC)


def _valid_until(article: Article, related: list[Article], now: datetime) -> datetime:
    """The first moment the bytes are wrong without an edit (readers render it anew then): a
    photo shown stops being usable, or the article is scheduled and goes out."""
    moments = [
        i.rights_expire_at for i in _shown_images(article, related) if i.rights_expire_at and i.rights_expire_at > now
    ]
    if article.status == Article.Status.SCHEDULED and article.published_at and article.published_at > now:
        moments.append(article.published_at)  # related lists change once it is out
    return min(moments, default=NEVER)


def refresh_at(published_at: datetime, now: datetime) -> datetime:
    """When the workers look at a document's related articles again: the newer the article,
    the more its related change (new articles on its tags), so every DOCUMENT_REFRESH_SECONDS
    in its first two days, daily to a month, weekly after. A million documents then cost the
    workers about 7,000 renders an hour (some 25 s of one process), not a million."""
    age = now - published_at
    every = settings.DOCUMENT_REFRESH_SECONDS
    if age > timedelta(days=30):
        every *= 24 * 7
    elif age > timedelta(days=2):
        every *= 24
    return now + timedelta(seconds=every)


def _image_keys(image: Image) -> list[str]:
    keys = [f"image-{image.pk}"]
    if image.agency_id:
        keys.append(f"agency-{image.agency_id}")  # the credit names the agency
    return keys


def _item_keys(article: Article) -> list[str]:
    """What a list item shows: the article, its section, authors and lead photo."""
    keys = [f"article-{article.pk}"]
    if article.section_id:
        keys.append(f"section-{article.section_id}")
    keys += sorted({f"author-{byline.author_id}" for byline in article.bylines.all()})
    if article.lead_image is not None:
        keys += _image_keys(article.lead_image)
    return keys


def _keys(article: Article, related: list[Article]) -> list[str]:
    """Everything a detail shows, so that a change to any of it reaches the answer: the item's
    keys, tags, the source outlet and the bylines' outlets, every photo of the body, and the
    related articles' sections and photos (the documents linking an article are found by its
    `related-{id}` link)."""
    keys = _item_keys(article)
    keys += [f"tag-{tag.pk}" for tag in article.tags.all()]
    if article.source_id:
        keys.append(f"outlet-{article.source_id}")
    keys += sorted({f"outlet-{b.outlet_id}" for b in article.bylines.all() if b.outlet_id})  # 【文/outlet name】
    for block in article.blocks.all():
        if block.type == Block.Type.IMAGE and block.image is not None:
            keys += _image_keys(block.image)
    for item in related:
        if item.section_id:
            keys.append(f"section-{item.section_id}")
        if item.lead_image is not None:
            keys += _image_keys(item.lead_image)
    return list(dict.fromkeys(keys))


def _spaced(keys: list[str]) -> str:
    """' a b c ': the keys as stored (the answer's Surrogate-Key; found through `DocumentLink`)."""
    return f" {' '.join(keys)} " if keys else ""


def _list_signature(article: Article) -> str:
    """What decides which list pages show an article and where: a change to it moves the article
    between pages and filters, so every list page is purged (`list`); any other edit purges only
    the pages showing the article (`article-{id}`)."""
    facts = [
        article.status,
        article.published_at.isoformat() if article.published_at else "",
        article.slug,
        str(article.section_id or ""),
        *sorted(f"t{tag.pk}" for tag in article.tags.all()),
        *sorted({f"a{byline.author_id}" for byline in article.bylines.all()}),
    ]
    return hashlib.blake2b("|".join(facts).encode(), digest_size=12).hexdigest()


def document_render(*, article_id: int, now: datetime | None = None, reader: bool = False) -> Document | None:
    """Render and store one article's document; None (and no document) when it is not public
    or scheduled. Idempotent: rendering twice stores the same bytes."""
    return documents_render([article_id], now=now, reader=reader)[article_id]


def documents_render(
    article_ids: list[int], *, now: datetime | None = None, reader: bool = False
) -> dict[int, Document | None]:
    """Render and store these articles' documents in one go: the same queries for one article or
    a batch of hundreds (the articles with everything they show, their related articles), then
    one write. An article that is not public or scheduled has its document removed (None).

    `reader`: the render serves a reader's request, who must not wait on an editor's save
    holding a row (the bytes are answered either way; the change stream stores the editor's).
    """
    now = now or timezone.now()
    articles = list(
        selectors.article_detail_queryset(
            Article.objects.filter(pk__in=article_ids, status__in=PUBLIC_STATUSES, published_at__isnull=False)
        )
    )
    related_of = selectors.articles_related(articles, now=now)
    rendered: dict[int, Document | None] = dict.fromkeys(article_ids)
    writes = []
    for article in articles:
        related = related_of[article.pk]
        article.view_count = SENTINEL
        detail_head, detail_tail = split(orjson.dumps(detail_representation(article, related)))
        item_head, item_tail = split(orjson.dumps(item_representation(article)))
        keys = _spaced(_keys(article, related))
        fields = {
            "detail_head": detail_head,
            "detail_tail": detail_tail,
            "item_head": item_head,
            "item_tail": item_tail,
            "keys": keys,
            "item_keys": _spaced(_item_keys(article)),
            "list_signature": _list_signature(article),
            "related_ids": " " + " ".join(str(r.pk) for r in related) + " " if related else "",
            "version": article.version,
            "rendered_at": now,
            "valid_until": _valid_until(article, related, now),
        }
        published_at = cast(datetime, article.published_at)  # never None here (see the query)
        fields["refresh_at"] = refresh_at(published_at, now)
        writes.append(_Write(article.pk, fields, _links(article, keys, related), published_at))
        rendered[article.pk] = Document(article_id=article.pk, **fields)
    gone = [article_id for article_id, document in rendered.items() if document is None]
    if reader:
        _store_for_reader(writes, gone)
    else:
        try:
            _store(writes, gone)
        except IntegrityError:  # another process created one meanwhile: the unique key guards the race
            _store(writes, gone)
    return rendered


def _links(article: Article, keys: str, related: list[Article]) -> list[str]:
    """What the document shows that a change elsewhere reaches (its keys but its own article's)
    and the articles it links to as related (`related-{id}`): its rows in `DocumentLink`."""
    own = f"article-{article.pk}"
    shown = [key for key in keys.split() if key != own]
    return list(dict.fromkeys([*shown, *(f"related-{r.pk}" for r in related)]))


@dataclass
class _Write:
    article_id: int
    fields: dict
    links: list[str]
    published_at: datetime


_LINKED = ("keys", "related_ids", "list_signature")  # what the links are made from


def _store(writes: list[_Write], gone: list[int]) -> None:
    """Store the documents and, where what they show changed, their links; remove the documents
    of articles no longer public. One transaction; the rows are locked in id order, so two
    writers of overlapping batches wait for each other rather than deadlock."""
    ids = sorted(write.article_id for write in writes)
    with transaction.atomic():
        if gone:
            Document.objects.filter(article_id__in=gone).delete()
            DocumentLink.objects.filter(article_id__in=gone).delete()
        if not writes:
            return
        before = {
            row[0]: row[1:]
            for row in Document.objects.select_for_update()
            .filter(article_id__in=ids)
            .order_by("article_id")
            .values_list("article_id", *_LINKED)
        }
        Document.objects.bulk_create(
            [Document(article_id=w.article_id, **w.fields) for w in writes],
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=list(writes[0].fields),
        )
        relinked = [w for w in writes if before.get(w.article_id) != tuple(w.fields[name] for name in _LINKED)]
        if relinked:
            DocumentLink.objects.filter(article_id__in=[w.article_id for w in relinked]).delete()
            DocumentLink.objects.bulk_create(
                [
                    DocumentLink(article_id=w.article_id, key=key, published_at=w.published_at)
                    for w in relinked
                    for key in w.links
                ]
            )


def _store_for_reader(writes: list[_Write], gone: list[int]) -> None:
    """Store what a read rendered, unless that would wait: an editor saving the article holds
    its row (the document's key checks it), and a reader must not queue behind that. The
    reader gets the bytes either way; the change stream stores the editor's version anyway."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL lock_timeout = '100ms'")
            _store(writes, gone)
    except (IntegrityError, OperationalError) as error:  # taken meanwhile, or a lock we will not wait for
        logger.info("served documents %s without storing them: %s", [w.article_id for w in writes], error)


def render_for_reader(article_id: int, now: datetime) -> Document | None:
    """A document that was missing or expired at read time, rendered once on the spot."""
    try:
        return document_render(article_id=article_id, now=now, reader=True)
    except Exception as error:  # a bug or a missing row: readers get a 503, never a 500
        logger.exception("could not render the document of article %s", article_id)
        raise ServiceUnavailable(_("This article cannot be shown right now; try again shortly.")) from error
