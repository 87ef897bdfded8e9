"""The documents' consumer on the change stream: each article event renders that article's
document; a change to what many articles embed has the documents showing it rendered anew (by
the workers, or for a photo on the next read). It names on the event every answer the change
reaches, for the purge consumers after it."""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from core.models import OutboxEvent

from ..models import Document, DocumentLink
from .refresh import mark_due
from .render import SENTINEL, document_render, join, split
from .sitemaps import sitemap_refresh


def documents_mark_stale(*, article_ids: Iterable[int] | None = None, showing: str | None = None) -> list[int]:
    """Make documents render anew on their next read, as their bytes may now be wrong (a photo
    they show may no longer be usable): these articles', or those showing a key (`image-3`),
    found through their links. Returns the ids of the articles whose documents these are.
    What only dates them (a name changed) is `refresh.mark_due`'s: the workers render them."""
    documents = Document.objects.all()
    if article_ids is not None:
        documents = documents.filter(article_id__in=article_ids)
    if showing is not None:
        documents = documents.filter(article_id__in=_showing(showing))
    ids = list(documents.values_list("article_id", flat=True))
    Document.objects.filter(article_id__in=ids).update(valid_until=timezone.now())
    return ids


def _showing(key: str) -> QuerySet:
    return DocumentLink.objects.filter(key=key).values("article_id")


def documents_drop_related(*, article_id: int) -> list[int]:
    """Take an article that went out of the related links of every stored detail listing it;
    returns the ids of those articles. The stored bytes are patched, not rendered again (a
    retraction does not wait for a render of each); the next render fills the place it left."""
    patched = []
    linking = f"related-{article_id}"
    for row in Document.objects.filter(article_id__in=_showing(linking)).only(
        "article_id", "detail_head", "detail_tail", "related_ids"
    ):
        detail = orjson.loads(join(row.detail_head, SENTINEL, row.detail_tail))
        detail["related"] = [item for item in detail.get("related") or [] if item.get("id") != article_id]
        head, tail = split(orjson.dumps(detail))
        related_ids = row.related_ids.replace(f" {article_id} ", " ")
        Document.objects.filter(article_id=row.article_id).update(
            detail_head=head, detail_tail=tail, related_ids=related_ids if related_ids.strip() else ""
        )
        patched.append(row.article_id)
    DocumentLink.objects.filter(key=linking, article_id__in=patched).delete()
    return patched


def documents_consumer(event: OutboxEvent) -> None:
    """Outbox consumer: keep documents in step with every public change, and name on the event
    every answer the change reaches (the purge consumers after this one act on those keys).

    An article's event re-renders it; `list` is added when the change moves it between list
    pages or filters. An article going out is taken out of the related links of the documents
    listing it at once; any other change of it has those documents rendered anew by the workers.
    A photo's change makes every document showing it render on its next read (answers carry its
    key already); a name's (an author, a section) has them rendered anew by the workers.
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
        sitemap_refresh([article_id], size=settings.SITEMAP_PAGE_SIZE)
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
        elif document is not None:
            # The documents listing it as related show its title, section and photo: rendered anew
            # by the workers (readers keep the stored bytes meanwhile; the refresh purges them).
            mark_due(_showing(f"related-{article_id}").values_list("article_id", flat=True))
    else:
        for key in event.keys:
            if not key.startswith(f"{kind}-"):
                continue
            if kind in _WRONG_AT_ONCE:
                documents_mark_stale(showing=key)  # rendered on the next read; answers carry the key
            else:
                mark_due(_showing(key).values_list("article_id", flat=True))
    event.keys = sorted(keys)


# What may make a document wrong, not only dated: a photo whose rights were cut short must not be
# shown for another second. Everything else (names of authors, sections, outlets, agencies) is
# rendered anew by the workers.
_WRONG_AT_ONCE = {"image"}
