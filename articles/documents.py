"""Published documents: each public article rendered once when it or what it embeds changes.

The change stream hands every article event to `documents_consumer`, which renders that
article's detail and list item with the API's own serializers and stores the bytes. Changes
to what many articles embed (an author, a section, a photo) mark their documents stale
instead, and the read path renders a stale or missing document once, on the spot. Reads
splice the view count into the stored bytes, so counting views never re-renders anything.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

import orjson
from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.errors import ServiceUnavailable
from core.sql import fetch_all

from . import selectors
from .models import Article, Block, Document

logger = logging.getLogger(__name__)

# A view count no article has: rendered in its place, then cut out of the bytes.
SENTINEL = 918_273_645_546_372_819
MARK = b'"view_count":' + str(SENTINEL).encode()
VIEW_COUNT = b'"view_count":'


def _split(body: bytes) -> tuple[bytes, bytes]:
    head, found, tail = body.partition(MARK)
    if not found:
        raise ValueError("the rendered answer has no view count to cut around")
    return head + VIEW_COUNT, tail


def join(head: bytes, view_count: int, tail: bytes) -> bytes:
    return b"".join((head, str(view_count).encode(), tail))


def _shown_images(article: Article, related: list[Article]):
    images = [article.lead_image] if article.lead_image_id else []
    images += [block.image for block in article.blocks.all() if block.type == Block.Type.IMAGE and block.image_id]
    images += [item.lead_image for item in related if item.lead_image_id]
    return [image for image in images if image is not None]


def _valid_until(article: Article, related: list[Article], now: datetime) -> datetime:
    """The first moment the bytes may be wrong without an edit."""
    moments = [now + timedelta(seconds=settings.DOCUMENT_REFRESH_SECONDS)]  # related articles age
    moments += [
        i.rights_expire_at for i in _shown_images(article, related) if i.rights_expire_at and i.rights_expire_at > now
    ]
    if article.status == Article.Status.SCHEDULED and article.published_at and article.published_at > now:
        moments.append(article.published_at)  # related lists change once it is out
    return min(moments)


def _image_keys(image) -> list[str]:
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
    if article.lead_image_id:
        keys += _image_keys(article.lead_image)
    return keys


def _keys(article: Article, related: list[Article]) -> list[str]:
    """Everything a detail shows, so that a change to any of it reaches the answer: the item's
    keys, tags, the source outlet and the bylines' outlets, every photo of the body, and the
    related articles' sections and photos (a related article going away is handled by `_linking`)."""
    keys = _item_keys(article)
    keys += [f"tag-{tag.pk}" for tag in article.tags.all()]
    if article.source_id:
        keys.append(f"outlet-{article.source_id}")
    keys += sorted({f"outlet-{b.outlet_id}" for b in article.bylines.all() if b.outlet_id})  # 【文/outlet name】
    for block in article.blocks.all():
        if block.type == Block.Type.IMAGE and block.image_id:
            keys += _image_keys(block.image)
    for item in related:
        if item.section_id:
            keys.append(f"section-{item.section_id}")
        if item.lead_image_id:
            keys += _image_keys(item.lead_image)
    return list(dict.fromkeys(keys))


def _spaced(keys: list[str]) -> str:
    """' a b c ': a key is found with LIKE '% key %', never as part of a longer one."""
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
    from .api.serializers import ArticleDetailSerializer, ArticleListItemSerializer

    now = now or timezone.now()
    article = selectors.article_detail_queryset(
        Article.objects.filter(
            pk=article_id,
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            published_at__isnull=False,
        )
    ).first()
    if article is None:
        Document.objects.filter(article_id=article_id).delete()
        return None
    related = selectors.article_related(article=article)
    article.view_count = SENTINEL
    detail = orjson.dumps(ArticleDetailSerializer(article, context={"related": {article.pk: related}}).data)
    item = orjson.dumps(ArticleListItemSerializer(article).data)
    detail_head, detail_tail = _split(detail)
    item_head, item_tail = _split(item)
    fields = {
        "detail_head": detail_head,
        "detail_tail": detail_tail,
        "item_head": item_head,
        "item_tail": item_tail,
        "keys": _spaced(_keys(article, related)),
        "item_keys": _spaced(_item_keys(article)),
        "list_signature": _list_signature(article),
        "related_ids": " " + " ".join(str(r.pk) for r in related) + " " if related else "",
        "version": article.version,
        "rendered_at": now,
        "valid_until": _valid_until(article, related, now),
    }
    if reader:
        return _store_for_reader(article.pk, fields)
    try:
        with transaction.atomic():
            document, _ = Document.objects.update_or_create(article_id=article.pk, defaults=fields)
    except IntegrityError:  # another process created it meanwhile: the unique key guards the race
        Document.objects.filter(article_id=article.pk).update(**fields)
        document = Document.objects.get(article_id=article.pk)
    return document


def _store_for_reader(article_id: int, fields: dict) -> Document:
    """Store what a read rendered, unless that would wait: an editor saving the article holds
    its row (the document's key checks it), and a reader must not queue behind that. The
    reader gets the bytes either way; the change stream stores the editor's version anyway."""
    document = Document(article_id=article_id, **fields)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL lock_timeout = '100ms'")
            updated = Document.objects.filter(article_id=article_id).update(**fields)
            if not updated:
                document.save(force_insert=True)
    except (IntegrityError, OperationalError) as error:  # taken meanwhile, or a lock we will not wait for
        logger.info("served the document of article %s without storing it: %s", article_id, error)
    return document


def documents_mark_stale(*, article_ids=None, condition: Q | None = None) -> list[int]:
    """Make documents render anew on their next read (what many articles embed changed);
    returns the ids of the articles whose documents these are."""
    documents = Document.objects.all()
    if article_ids is not None:
        documents = documents.filter(article_id__in=article_ids)
    if condition is not None:
        documents = documents.filter(condition)
    ids = list(documents.values_list("article_id", flat=True))
    Document.objects.filter(article_id__in=ids).update(valid_until=timezone.now())
    return ids


def _linking(article_id: int) -> Q:
    return Q(related_ids__contains=f" {article_id} ")


def _showing(key: str) -> Q:
    return Q(keys__contains=f" {key} ")


def documents_drop_related(*, article_id: int) -> list[int]:
    """Take an article that went out of the related links of every stored detail listing it;
    returns the ids of those articles. The stored bytes are patched, not rendered again (a
    retraction does not wait for a render of each); the next render fills the place it left."""
    patched = []
    for row in Document.objects.filter(_linking(article_id)).only(
        "article_id", "detail_head", "detail_tail", "related_ids"
    ):
        detail = orjson.loads(join(row.detail_head, SENTINEL, row.detail_tail))
        detail["related"] = [item for item in detail.get("related") or [] if item.get("id") != article_id]
        head, tail = _split(orjson.dumps(detail))
        related_ids = row.related_ids.replace(f" {article_id} ", " ")
        Document.objects.filter(article_id=row.article_id).update(
            detail_head=head, detail_tail=tail, related_ids=related_ids if related_ids.strip() else ""
        )
        patched.append(row.article_id)
    return patched


def documents_consumer(event) -> None:
    """Outbox consumer: keep documents in step with every public change, and name on the event
    every answer the change reaches (the purge consumers after this one act on those keys).

    An article's event re-renders it; `list` is added when the change moves it between list
    pages or filters. An article going out or coming in also changes the related links of
    the articles that list it. Anything else (an author, a section, a photo) makes every
    document showing it render anew: answers carry its key already.
    """
    kind, _, action = event.type.partition(".")
    if event.type == "article.edited":
        return  # nothing readers see
    data_id = event.data.get("id")
    keys = set(event.keys)
    if kind == "article":
        article_id = int(data_id)
        before = Document.objects.filter(article_id=article_id).values_list("list_signature", flat=True).first()
        document = document_render(article_id=article_id)
        # Going out or coming in is read from the documents too, not only from the event's name:
        # when a later event superseded the one that published it, this run brings both.
        moved = (before is None) != (document is None)
        if (
            document is None
            or before != document.list_signature
            or moved
            or action in ("published", "unpublished", "deleted")
        ):
            keys.add("list")
        if document is None and (moved or action in ("unpublished", "deleted")):
            keys.add("trending")  # the rail drops it at once (trending.retraction)
            # A reader never gets a link to an article that is gone: taken out of the stored
            # details that list it, here, so no reader's request has to render them.
            keys |= {f"article-{other}" for other in documents_drop_related(article_id=article_id)}
        elif moved or action in ("unpublished", "deleted", "published"):
            # A new one may be related: those documents render again on their next read.
            keys |= {f"article-{other}" for other in documents_mark_stale(condition=_linking(article_id))}
    else:
        for key in event.keys:
            if key.startswith(f"{kind}-"):
                documents_mark_stale(condition=_showing(key))
    event.keys = sorted(keys)


def documents_rebuild(*, article_ids=None, progress=None) -> int:
    """Render every public or scheduled article's document (upgrades, bulk imports), in id order."""
    rows = Article.objects.filter(status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED])
    if article_ids is not None:
        rows = rows.filter(pk__in=article_ids)
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    done = 0
    for article_id in ids:
        if document_render(article_id=article_id) is not None:
            done += 1
        if progress:
            progress(done, len(ids))
    return done


# --- reads -------------------------------------------------------------------------------------


def _render_for_reader(article_id: int, now: datetime) -> Document | None:
    """A document that was missing or expired at read time, rendered once on the spot."""
    try:
        return document_render(article_id=article_id, now=now, reader=True)
    except Exception as error:  # a bug or a missing row: readers get a 503, never a 500
        logger.exception("could not render the document of article %s", article_id)
        raise ServiceUnavailable(_("This article cannot be shown right now; try again shortly.")) from error


# The hot read, written out once: the ORM would compile the same SQL on every request, which
# costs more than running it. The article's state decides visibility (public_q) to the second.
_DETAIL_SQL = (
    "SELECT a.view_count, d.detail_head, d.detail_tail, d.keys, d.valid_until"
    " FROM articles_article a LEFT JOIN articles_document d ON d.article_id = a.id"
    " WHERE a.id = %s AND a.status IN (%s, %s) AND a.published_at <= %s"
)


def _aware(value) -> datetime | None:
    """A timestamp as the database driver returns it (SQLite: text; PostgreSQL: aware)."""
    if value is None:
        return None
    if value.__class__ is datetime and value.tzinfo is not None:
        return value  # PostgreSQL's, as it comes
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    return parsed if parsed is None or timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def detail_read(*, article_id: int) -> tuple[bytes, list[str], float] | None:
    """A public article's detail: (JSON bytes, surrogate keys, valid until), or None.

    One indexed query for a stored, valid document; a missing or expired one is rendered
    once on the spot.
    """
    now = timezone.now()
    moment = connection.ops.adapt_datetimefield_value(now)
    rows = fetch_all(_DETAIL_SQL, [article_id, Article.Status.PUBLISHED, Article.Status.SCHEDULED, moment])
    if not rows:
        return None
    view_count, head, tail, keys, valid_until = rows[0]
    valid_until = _aware(valid_until)
    if head is None or valid_until is None or valid_until <= now:
        document = _render_for_reader(article_id, now)
        if document is None:
            return None
        head, tail, keys, valid_until = document.detail_head, document.detail_tail, document.keys, document.valid_until
    body = join(bytes(head), view_count, bytes(tail))
    return body, keys.split(), valid_until.timestamp()
