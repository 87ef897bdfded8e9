"""The documents' index (issue 31): what each stored document shows, by key, so that a change finds
exactly the documents showing it and related articles come from a few rows per tag, never a scan
of the archive; and the bulk rebuild (batches, processes, resumable)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import documents
from articles.models import Article, Document, DocumentLink
from articles.selectors import article_related
from tests.articles.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory, with_bylines

pytestmark = pytest.mark.django_db


def _links(article: Article) -> set[str]:
    return set(DocumentLink.objects.filter(article=article).values_list("key", flat=True))


def test_a_documents_links_are_what_it_shows_and_the_articles_it_links_to():
    section, tag, author = SectionFactory(), TagFactory(), AuthorFactory()
    sibling = ArticleFactory(section=SectionFactory())
    sibling.tags.set([tag])
    article = with_bylines(ArticleFactory(section=section), author)
    article.tags.set([tag])
    documents.documents_rebuild()

    shown = _links(article)

    assert {f"section-{section.pk}", f"tag-{tag.pk}", f"author-{author.pk}", f"related-{sibling.pk}"} <= shown
    assert f"article-{article.pk}" not in shown  # its own key finds nothing else
    stored = Document.objects.get(article=article)
    assert shown == {k for k in stored.keys.split() if k != f"article-{article.pk}"} | {
        f"related-{i}" for i in stored.related_ids.split()
    }
    assert set(DocumentLink.objects.filter(article=article).values_list("published_at", flat=True)) == {
        article.published_at
    }


def test_a_change_marks_exactly_the_documents_showing_it_stale():
    section, elsewhere = SectionFactory(), SectionFactory()
    showing = [ArticleFactory(section=section) for _ in range(3)]
    other = ArticleFactory(section=elsewhere)
    documents.documents_rebuild()
    later = timezone.now() + timedelta(hours=1)
    Document.objects.update(valid_until=later)

    marked = documents.documents_mark_stale(showing=f"section-{section.pk}")

    assert sorted(marked) == sorted(a.pk for a in showing)
    assert Document.objects.get(article=other).valid_until == later  # untouched
    assert all(d.valid_until <= timezone.now() for d in Document.objects.filter(article__in=showing))


def test_an_article_going_out_leaves_the_index_and_the_details_linking_it():
    tag = TagFactory()
    article, sibling = ArticleFactory(), ArticleFactory()
    for a in (article, sibling):
        a.tags.set([tag])
    documents.documents_rebuild()
    assert f"related-{sibling.pk}" in _links(article)

    Article.objects.filter(pk=sibling.pk).update(status=Article.Status.DRAFT)
    documents.document_render(article_id=sibling.pk)
    patched = documents.documents_drop_related(article_id=sibling.pk)

    assert patched == [article.pk]
    assert not DocumentLink.objects.filter(article=sibling).exists()
    assert f"related-{sibling.pk}" not in _links(article)
    assert article_related(article=article) == []


def test_related_by_tag_reads_a_few_rows_per_tag_and_takes_the_newest():
    """However many articles carry the tag, the same queries and the newest of them; one sharing
    two tags still ranks first."""
    tag, second = TagFactory(), TagFactory()
    now = timezone.now()
    article = ArticleFactory(published_at=now - timedelta(minutes=1))
    article.tags.set([tag, second])

    def tagged(count: int, start_days: int) -> list[Article]:
        made = [ArticleFactory(published_at=now - timedelta(days=start_days, hours=i)) for i in range(count)]
        for a in made:
            a.tags.set([tag])
        return made

    newest = tagged(30, 1)
    documents.documents_rebuild()
    with CaptureQueriesContext(connection) as small:
        first = article_related(article=article, limit=6)
    tagged(120, 30)  # older: more of the archive carries the tag
    both = ArticleFactory(published_at=now - timedelta(days=200))
    both.tags.set([tag, second])
    documents.documents_rebuild()
    with CaptureQueriesContext(connection) as large:
        second_run = article_related(article=article, limit=6)

    assert first == newest[:6]
    assert second_run == [both, *newest[:5]]  # two shared tags first, then the newest
    assert len(large.captured_queries) == len(small.captured_queries)
    # Shared tags are counted for the candidates only, by id (not for every article of the window).
    counted = [q["sql"] for q in large.captured_queries if '"articles_article_tags"."tag_id" IN (' in q["sql"]]
    assert counted and all('"articles_article_tags"."article_id" IN (' in sql for sql in counted)
    assert not any("GROUP BY" in q["sql"] for q in large.captured_queries)


def test_a_bulk_rebuild_gives_the_first_rendered_documents_the_whole_archives_related():
    tag = TagFactory()
    oldest = ArticleFactory(published_at=timezone.now() - timedelta(days=3))
    newer = [ArticleFactory(published_at=timezone.now() - timedelta(hours=i + 1)) for i in range(3)]
    for a in (oldest, *newer):
        a.tags.set([tag])
    assert oldest.pk < min(a.pk for a in newer)  # rendered first, before the others have documents

    documents.documents_rebuild()

    stored = Document.objects.get(article=oldest)
    assert sorted(int(i) for i in stored.related_ids.split()) == sorted(a.pk for a in newer)


def test_a_rebuild_resumed_renders_only_what_the_stopped_run_had_not_reached():
    made = [ArticleFactory() for _ in range(5)]
    started = timezone.now()
    documents.documents_rebuild(article_ids=[a.pk for a in made[:2]])  # a run stopped after two
    rendered_at = dict(Document.objects.values_list("article_id", "rendered_at"))

    count = documents.documents_rebuild(rendered_before=started)

    assert count == 3
    again = dict(Document.objects.values_list("article_id", "rendered_at"))
    assert all(again[a.pk] == rendered_at[a.pk] for a in made[:2])  # not rendered twice
    assert set(again) == {a.pk for a in made}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_in_several_processes_renders_every_document_once():
    if connection.vendor != "postgresql":
        assert documents.default_processes() == 1  # SQLite takes one writer at a time
        return
    made = [ArticleFactory() for _ in range(23)]
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None, first_published_at=None)
    seen = []

    count = documents.documents_rebuild(processes=2, batch=4, progress=lambda done, total: seen.append((done, total)))

    assert count == 23
    assert set(Document.objects.values_list("article_id", flat=True)) == {a.pk for a in made}
    assert not Document.objects.filter(article=draft).exists()
    assert seen[0] == (0, 23) and seen[-1] == (23, 23) and len(seen) == 1 + 6  # a step per batch
