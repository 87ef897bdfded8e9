"""Published documents: rendered once per change, read in one query, byte for byte the contract,
with surrogate keys and precise invalidation (issue 9)."""

import orjson
import pytest
from django.core.management import call_command
from django.utils import timezone

from articles import documents, selectors
from articles import services as article_services
from articles.documents.representation import ArticleDetailSerializer, ArticleListItemSerializer
from articles.models import Document
from core.models import OutboxEvent
from tests.articles.factories import AuthorFactory, SectionFactory, TagFactory
from trending import services as trending_services

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def published(editor, django_capture_on_commit_callbacks):
    """Publish through the services, with the change stream running as it does after a commit."""

    def publish(title="普京抵达巴库", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            article = article_services.article_create(by=editor, title=title, **fields)
            article_services.article_publish(article_id=article.pk, by=editor)
        return article

    return publish


def _serialised(article_id: int) -> tuple[bytes, bytes]:
    """What the serializers say today, for comparison with the stored bytes."""
    from articles.models import Article

    article = selectors.article_detail_queryset(Article.objects.filter(pk=article_id)).get()
    related = selectors.article_related(article=article)
    detail = orjson.dumps(ArticleDetailSerializer(article, context={"related": {article.pk: related}}).data)
    return detail, orjson.dumps(ArticleListItemSerializer(article).data)


def test_publishing_renders_the_document_and_reads_are_byte_for_byte_the_contract(api, published):
    section, tag, author = SectionFactory(), TagFactory(name="外交"), AuthorFactory(name="熊超然")
    article = published(
        section=section,
        tags=[tag],
        bylines=[{"author": author, "role": "文"}],
        body=[article_services.BlockInput(type="paragraph", text="当地时间8月18日晚，<b>普京</b>抵达巴库。")],
    )
    assert Document.objects.filter(article_id=article.pk).exists()  # rendered by the change stream

    detail = api.get(f"/api/v1/articles/{article.pk}/")
    listing = api.get("/api/v1/articles/")

    expected_detail, expected_item = _serialised(article.pk)
    assert detail.content == expected_detail
    assert listing.content == b'{"next":null,"previous":null,"results":[' + expected_item + b"]}"
    assert detail["Surrogate-Key"].split() == [
        f"article-{article.pk}",
        f"section-{section.pk}",
        f"author-{author.pk}",
        f"tag-{tag.pk}",
    ]
    # A list item shows the section and authors too (not the tags).
    shown = ["list", f"article-{article.pk}", f"section-{section.pk}", f"author-{author.pk}"]
    assert listing["Surrogate-Key"].split() == shown


def test_the_key_header_name_is_configurable(api, published, settings):
    settings.PUBLIC_CACHE_KEY_HEADER = "Cache-Tag"
    article = published()

    response = api.get(f"/api/v1/articles/{article.pk}/")

    assert response["Cache-Tag"].startswith(f"article-{article.pk}")
    assert "Surrogate-Key" not in response


def test_an_edit_never_evicts_another_articles_detail(
    api, editor, published, django_capture_on_commit_callbacks, django_assert_num_queries, settings
):
    settings.API_LOCAL_CACHE_SECONDS = 0  # every read asks the shared cache
    edited, other = published("要改的稿子"), published("旁边的稿子")
    api.get(f"/api/v1/articles/{edited.pk}/")
    api.get(f"/api/v1/articles/{other.pk}/")

    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_update(
            article_id=edited.pk, by=editor, expected_version=edited.version + 1, data={"title": "改好的稿子"}
        )

    with django_assert_num_queries(0):  # still in the cache
        assert api.get(f"/api/v1/articles/{other.pk}/").json()["title"] == "旁边的稿子"
    assert api.get(f"/api/v1/articles/{edited.pk}/").json()["title"] == "改好的稿子"
    assert api.get("/api/v1/articles/").json()["results"][1]["title"] == "改好的稿子"


def test_view_counts_reach_readers_without_rendering_anything(api, published, settings):
    settings.API_CACHE_SECONDS = 0
    article = published()
    rendered_at = Document.objects.get(article_id=article.pk).rendered_at
    events = [{"article": article.pk, "visitor": f"r{n}"} for n in range(7)]
    trending_services.events_record(events=events, address="198.51.100.7", user_agent=BROWSER, cookie=None)

    trending_services.view_counts_flush()

    assert api.get(f"/api/v1/articles/{article.pk}/").json()["view_count"] == 7
    assert api.get("/api/v1/articles/").json()["results"][0]["view_count"] == 7
    assert Document.objects.get(article_id=article.pk).rendered_at == rendered_at


def test_unpublishing_a_related_article_takes_its_link_out_at_once(
    api, editor, published, django_capture_on_commit_callbacks, settings
):
    settings.API_CACHE_SECONDS = 0
    section = SectionFactory()
    older = published("旧闻", section=section)
    newer = published("新闻", section=section)
    assert [r["id"] for r in api.get(f"/api/v1/articles/{newer.pk}/").json()["related"]] == [older.pk]

    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_unpublish(article_id=older.pk, by=editor)

    assert api.get(f"/api/v1/articles/{newer.pk}/").json()["related"] == []
    assert api.get(f"/api/v1/articles/{older.pk}/").status_code == 404
    assert not Document.objects.filter(article_id=older.pk).exists()


def test_renaming_an_author_reaches_every_document_that_prints_them(
    api, editor, published, django_capture_on_commit_callbacks, settings
):
    settings.API_CACHE_SECONDS = 0
    author = AuthorFactory(name="林晓舟")
    article = published(bylines=[{"author": author, "role": "文"}])
    author.name = "林小舟"

    with django_capture_on_commit_callbacks(execute=True):
        article_services.taxonomy_save(instance=author, by=editor)
    stored = Document.objects.get(article=article)

    # Readers keep the stored bytes (no render on their time) until the workers render it anew.
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["bylines"][0]["author"]["name"] == "林晓舟"
    assert Document.objects.get(article=article).rendered_at == stored.rendered_at
    assert stored.refresh_at <= timezone.now()  # due, first in line
    with django_capture_on_commit_callbacks(execute=True):
        assert documents.refresh.documents_refresh() == 1

    assert api.get(f"/api/v1/articles/{article.pk}/").json()["bylines"][0]["author"]["name"] == "林小舟"
    assert api.get("/api/v1/articles/").json()["results"][0]["authors"][0]["name"] == "林小舟"
    refreshed = OutboxEvent.objects.filter(type="documents.refreshed").get()
    assert refreshed.keys == [f"article-{article.pk}"]  # the answers showing it are purged


def test_a_document_that_fails_to_render_leaves_the_last_good_one_and_the_event_retried(
    api, editor, published, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from core.models import OutboxEvent

    settings.API_CACHE_SECONDS = 0
    article = published("好的版本")

    def broken(body):  # a bug in rendering
        raise ValueError("rendering is broken")

    monkeypatch.setattr(documents.render, "split", broken)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.article_update(
            article_id=article.pk, by=editor, expected_version=article.version + 1, data={"title": "新的版本"}
        )

    response = api.get(f"/api/v1/articles/{article.pk}/")
    event = OutboxEvent.objects.filter(subject=f"article:{article.pk}").order_by("-id").first()
    assert response.status_code == 200 and response.json()["title"] == "好的版本"
    assert event.done_at is None and "rendering is broken" in event.last_error and event.next_attempt_at

    monkeypatch.undo()
    from core import outbox

    outbox.retry_now(event_ids=[event.pk])
    outbox.relay()
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "新的版本"


def test_a_missing_document_is_rendered_once_on_read_and_a_broken_one_is_a_503(api, published, monkeypatch):
    article = published()
    Document.objects.all().delete()  # an upgrade, or a bulk import that skipped the stream

    assert api.get(f"/api/v1/articles/{article.pk}/").status_code == 200
    assert Document.objects.count() == 1

    Document.objects.all().delete()
    monkeypatch.setattr(documents.render, "split", lambda body: (_ for _ in ()).throw(ValueError("broken")))
    from core import api_cache

    api_cache.invalidate()
    response = api.get(f"/api/v1/articles/{article.pk}/")
    assert response.status_code == 503 and response["Retry-After"]


def test_documents_rebuild_renders_every_public_article(published, capsys):
    first, second = published("一"), published("二")
    Document.objects.all().delete()

    call_command("documents_rebuild", "--all")

    assert set(Document.objects.values_list("article_id", flat=True)) == {first.pk, second.pk}
    assert "Rendered 2 documents" in capsys.readouterr().out
    call_command("documents_rebuild", "--article", str(first.pk))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_saves_of_one_article_end_with_the_newest_document(api, editor, settings):
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads need PostgreSQL (DATABASE_URL); SQLite serialises writers itself")
    settings.API_CACHE_SECONDS = 0
    article = article_services.article_create(by=editor, title="第0版")
    article_services.article_publish(article_id=article.pk, by=editor)
    errors = []

    def save(worker: int):
        try:
            for n in range(5):
                current = type(article).objects.get(pk=article.pk)
                try:
                    article_services.article_update(
                        article_id=article.pk,
                        by=editor,
                        expected_version=None,  # last writer wins, as "*" does in If-Match
                        data={"title": f"第{worker}-{n}版", "summary": f"{current.version}"},
                    )
                except Exception as error:  # collected for the assertion
                    errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    newest = type(article).objects.get(pk=article.pk)
    assert errors == []
    assert Document.objects.get(article_id=article.pk).version == newest.version
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == newest.title


RENDER_THEN_DIE = """
import time
import django
django.setup()
from articles.documents import stream
from core import outbox

rendered = stream.document_render

def render_then_stall(**kwargs):
    document = rendered(**kwargs)  # written, inside the relay's transaction, not yet committed
    print("inside", flush=True)
    time.sleep(120)
    return document

stream.document_render = render_then_stall
outbox.relay_all()
"""


@pytest.mark.e2e  # starts a second process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_render_loses_no_event(api, editor, settings):
    from django.db import connection

    from core.models import OutboxEvent
    from tests.processes import killed_midway

    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a shared database (DATABASE_URL=postgres://...); SQLite's is in memory")
    settings.API_CACHE_SECONDS = 0
    article = article_services.article_create(by=editor, title="第一版")
    article_services.article_publish(article_id=article.pk, by=editor)  # relayed here, on commit
    settings.OUTBOX_RELAY_ON_COMMIT = False  # from now on the child relays
    article_services.article_update(article_id=article.pk, by=editor, expected_version=None, data={"title": "第二版"})

    with killed_midway(RENDER_THEN_DIE):
        pass  # the child rendered "第二版" and holds its transaction

    event = OutboxEvent.objects.filter(type="article.updated").get()
    assert (event.done_at, event.attempts) == (None, 0)  # the killed render rolled back
    assert "第一版".encode() in bytes(Document.objects.get(article_id=article.pk).detail_head)

    from core import outbox

    assert outbox.relay() == 1  # the sweep, as beat runs it
    event.refresh_from_db()
    assert event.done_at is not None
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["title"] == "第二版"
    assert "第二版".encode() in bytes(Document.objects.get(article_id=article.pk).detail_head)
