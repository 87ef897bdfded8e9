"""Redis or PostgreSQL down: saved work is reported as saved, readers get 503s, never 500s
(defects 13.3 and 13.4)."""

import pytest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

from articles import services as article_services
from articles.models import Article
from tests.articles.factories import ArticleFactory

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings, private_cache):
    """Cache, trending store and throttles all on a Redis that refuses connections."""
    settings.REDIS_URL = NOTHING_LISTENS
    settings.TRENDING_STORE = "redis"
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": NOTHING_LISTENS,
            "KEY_PREFIX": private_cache,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # real commits: announcements run inside the request
def test_an_editors_patch_and_publish_answer_200_with_redis_down(editor, editor_api, redis_down, caplog):
    article = article_services.article_create(by=editor, title="原标题")
    etag = editor_api.get(f"/api/v1/editor/articles/{article.pk}/")["ETag"]

    patched = editor_api.patch(
        f"/api/v1/editor/articles/{article.pk}/", {"title": "新标题"}, format="json", HTTP_IF_MATCH=etag
    )
    published = editor_api.post(f"/api/v1/editor/articles/{article.pk}/publish/")

    assert patched.status_code == 200, patched.content
    assert published.status_code == 200, published.content
    stored = Article.objects.get(pk=article.pk)
    assert (stored.title, stored.status) == ("新标题", "published")
    assert "trending store down" in caplog.text  # the announcements ran; their failures stayed in the log


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admins_publish_action_reports_success_with_redis_down(editor, redis_down):
    article = ArticleFactory(status="draft", published_at=None, first_published_at=None)
    client = Client()
    client.force_login(editor)

    response = client.post(
        "/admin/articles/article/", {"action": "publish_selected", "_selected_action": [article.pk]}, follow=True
    )

    assert response.status_code == 200
    assert "已发布" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == "published"


def test_events_and_token_login_answer_503_with_redis_down(api, editor, redis_down):
    article = ArticleFactory()

    events = api.post("/api/v1/trending/events/", {"article": article.pk}, format="json", HTTP_USER_AGENT="Chrome")
    login = api.post("/api/v1/auth/token/", {"username": "editor1", "password": "pw-editor1"}, format="json")

    assert (events.status_code, login.status_code) == (503, 503)
    assert events["Retry-After"] and login["Retry-After"]
    assert "detail" in events.json() and "detail" in login.json()


def test_readers_still_get_articles_with_redis_down(api, redis_down):
    article = ArticleFactory(title="缓存不在也能读")

    listing = api.get("/api/v1/articles/")
    detail = api.get(f"/api/v1/articles/{article.pk}/")

    assert (listing.status_code, detail.status_code) == (200, 200)
    assert detail.json()["title"] == "缓存不在也能读"


@pytest.fixture
def database_down():
    """The default connection pointed where no database answers, as when PostgreSQL refuses."""
    saved = dict(connection.settings_dict)
    keeper = None
    if connection.vendor == "sqlite":
        import sqlite3

        # The test database lives in shared memory only while a connection holds it.
        keeper = sqlite3.connect(saved["NAME"], uri=True)
        connection.settings_dict["NAME"] = "/nonexistent-folder/portal.sqlite3"
    else:
        connection.settings_dict["PORT"] = "1"
    BaseDatabaseWrapper.close(connection)  # SQLite's own close() keeps in-memory databases open
    yield
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)
    BaseDatabaseWrapper.close(connection)
    if keeper is not None:
        connection.ensure_connection()
        keeper.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readers_get_503_with_retry_after_while_the_database_refuses(database_down, settings):
    settings.API_CACHE_SECONDS = 0
    client = Client()

    responses = [client.get(path) for path in ("/api/v1/articles/", "/api/v1/articles/1/", "/api/v1/authors/")]

    assert [r.status_code for r in responses] == [503, 503, 503]
    assert all(r["Retry-After"] for r in responses)
    assert all(r.json()["detail"] == "数据库暂时不可用，请稍后再试。" for r in responses)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_names_the_failed_check_and_nothing_more(database_down):
    name = connection.settings_dict["NAME"]

    response = Client().get("/readyz")

    assert response.status_code == 503
    body = response.content.decode()
    assert response.json()["checks"]["database"] == "failed"
    assert "database" in response.json()["detail"]
    for secret in (name, "127.0.0.1", "5432", "port 1", "Error", "unable to open"):
        assert secret not in body
