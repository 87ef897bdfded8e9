"""Keeping the index in step with articles: the outbox consumer, one article, a rebuild."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

from articles.models import Article, Block
from articles.text import html_to_text

from . import text
from .backends import Entry, get_backend

logger = logging.getLogger(__name__)

# Body blocks whose words readers search; an image block's text is a caption, which belongs to
# the photo (its rights may end) and never reaches an excerpt.
TEXT_BLOCKS = (Block.Type.PARAGRAPH, Block.Type.HEADING, Block.Type.QUOTE)


def body_text(blocks: Iterable[Block]) -> str:
    return "\n".join(html_to_text(b.text) for b in blocks if b.type in TEXT_BLOCKS and b.text)


def entry_for(article: Article, body: str) -> Entry:
    title, summary = article.title, article.display_summary
    return Entry(
        article_id=article.pk,
        title=text.tokens(title),
        summary=text.tokens(summary),
        body=text.tokens(body),
        words=text.words(f"{title}\n{summary}\n{body}"),
        pinyin=text.pinyin(title),
    )


def _bodies(article_ids: list[int]) -> dict[int, str]:
    blocks: dict[int, list[Block]] = {}
    for block in Block.objects.filter(article_id__in=article_ids, type__in=TEXT_BLOCKS).only(
        "article_id", "type", "text", "position"
    ):
        blocks.setdefault(block.article_id, []).append(block)
    return {article_id: body_text(found) for article_id, found in blocks.items()}


def index_articles(*, article_ids: list[int]) -> int:
    """(Re)index these articles as they are now; an article that is gone leaves the index."""
    articles = list(Article.objects.filter(pk__in=article_ids).only("id", "title", "summary", "derived_summary"))
    bodies = _bodies([a.pk for a in articles])
    backend = get_backend()
    with transaction.atomic():
        backend.index([entry_for(a, bodies.get(a.pk, "")) for a in articles])
        gone = set(article_ids) - {a.pk for a in articles}
        if gone:
            backend.delete(sorted(gone))
    return len(articles)


def index_consumer(event) -> None:
    """Outbox consumer: every change of an article's text, any status (editors search drafts).

    Whether readers may see an article is read from the article at query time, so publishing,
    unpublishing and a schedule reaching its second are exact without waiting for this.
    """
    if event.type.startswith("article."):
        index_articles(article_ids=[int(event.data["id"])])


def rebuild(*, batch: int = 500, progress: Callable[[int, int], None] | None = None) -> int:
    """Index every article again, in id order and batches, then drop entries of articles that
    are gone. Searching keeps working meanwhile (each batch replaces its own entries)."""
    total = Article.objects.count()
    backend = get_backend()
    done, last = 0, 0
    while True:
        ids = list(Article.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            break
        done += index_articles(article_ids=ids)
        last = ids[-1]
        if progress:
            progress(done, total)
    with transaction.atomic():
        backend.prune_missing(Article._meta.db_table)
    return done
