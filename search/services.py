"""Keeping the index in step with articles: the outbox consumer, one article, a rebuild."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from articles import selectors
from articles.models import Article
from core import metrics
from core.models import OutboxEvent

from . import text
from .backends import Entry, get_backend

logger = logging.getLogger(__name__)


def entry_for(article: Article, body: str) -> Entry:
    # Normalised once a field: OpenCC and NFKC are most of the cost of indexing.
    title, summary, body = (text.normalize(t) for t in (article.title, article.display_summary, body))
    return Entry(
        article_id=article.pk,
        title=text.tokens(title, normalized=True),
        summary=text.tokens(summary, normalized=True),
        body=text.tokens(body, normalized=True),
        words=text.words(f"{title}\n{summary}\n{body}", normalized=True),
        pinyin=text.pinyin(title, normalized=True),
        chars=text.characters(f"{title}\n{summary}\n{body}", normalized=True),
    )


def index_articles(*, article_ids: list[int]) -> int:
    """(Re)index these articles as they are now; an article that is gone leaves the index."""
    articles = list(Article.objects.filter(pk__in=article_ids).only("id", "title", "summary", "derived_summary"))
    texts = selectors.plain_bodies([a.pk for a in articles])
    backend = get_backend()
    with transaction.atomic():
        backend.index([entry_for(a, texts.get(a.pk, "")) for a in articles])
        gone = set(article_ids) - {a.pk for a in articles}
        if gone:
            backend.delete(sorted(gone))
    return len(articles)


def index_consumer(event: OutboxEvent) -> None:
    """Outbox consumer: every change of an article's text, any status (editors search drafts).

    Whether readers may see an article is read from the article at query time, so publishing,
    unpublishing and a schedule reaching its second are exact without waiting for this.
    """
    if event.type.startswith("article."):
        index_articles(article_ids=[int(event.data["id"])])
        transaction.on_commit(lambda: metrics.visible("search", event), robust=True)


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
        backend.prune_missing(selectors.every_id_sql())
    backend.analyze()  # the planner's statistics of what was filled, as autovacuum would later
    return done
