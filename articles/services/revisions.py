"""Snapshots of an article, kept as revisions at every save (restoring is in `writing`)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import QuerySet

from ..models import Article, Block, Byline, RelatedPick, Revision

# --- revisions --------------------------------------------------------------


def _snapshot_queryset(queryset: QuerySet[Article]) -> QuerySet[Article]:
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
        "section": {"id": article.section_id, "name": article.section.name} if article.section is not None else None,
        "tags": [{"id": t.pk, "name": t.name} for t in sorted(article.tags.all(), key=lambda t: (t.name, t.pk))],
        "source": {"id": article.source_id, "name": article.source.name} if article.source is not None else None,
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


def snapshot(article_id: int) -> dict[str, Any]:
    return _snapshot_of(_snapshot_queryset(Article.objects.filter(pk=article_id)).get())


def revision_baseline(*, article_ids: Iterable[int], by: User) -> int:
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


def record_revision(
    article_id: int,
    *,
    by: User | None,
    action: str,
    restored_from: int | None = None,
    note: str = "",
    data: dict | None = None,
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
        data=snapshot(article_id) if data is None else data,
    )
