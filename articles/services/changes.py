"""What a save tells the rest of the system: one outbox event, in the save's transaction."""

from core import outbox

from ..models import Article


def record_change(article: Article, *, was_public: bool, deleted: bool = False) -> None:
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
            # Monotonic per article: a webhook receiver drops a message older than one it has.
            "version": article.version,
            **({"listed_in": _listed_in(article)} if kind != "article.edited" else {}),
        },
    )


def _listed_in(article: Article) -> dict[str, list[str]]:
    """The lists the article is on (section, tags, authors by slug), for CDNs purged by URL: read
    here, as a deleted article's row is gone by the time its purge is sent."""
    return {
        "section": [article.section.slug] if article.section is not None else [],
        "tag": list(article.tags.values_list("slug", flat=True)),
        "author": list(article.bylines.values_list("author__slug", flat=True)),
    }
