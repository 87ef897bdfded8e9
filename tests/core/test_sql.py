"""The hot reads' SQL (core.sql): a kept connection that broke between requests costs no reader
an error, without a health-check round trip before every read."""

import psycopg
import pytest
from django.db import OperationalError, connection, connections

from articles import services as article_services

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _terminate(pid: int) -> None:
    """End a backend from outside, as a restarted server or a cut network would."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _published(editor) -> int:
    article = article_services.article_create(by=editor, title="断线之后照常阅读")
    article_services.article_publish(article_id=article.pk, by=editor)
    return article.pk


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("connections broken under a reader are PostgreSQL's (DATABASE_URL=postgres://...)")


def test_a_read_on_a_kept_connection_broken_meanwhile_runs_again_on_a_new_one(
    postgresql, api, editor, settings, django_assert_num_queries
):
    settings.API_CACHE_SECONDS = 0
    article_id = _published(editor)
    assert api.get(f"/api/v1/articles/{article_id}/").status_code == 200
    broken = connection.connection.info.backend_pid
    _terminate(broken)

    connection.health_check_done = False  # a new request, as close_old_connections leaves it
    with django_assert_num_queries(2):  # the read that found it broken, and the read again; no SELECT 1
        response = api.get(f"/api/v1/articles/{article_id}/")

    assert response.status_code == 200 and response.json()["title"] == "断线之后照常阅读"
    assert connection.connection.info.backend_pid != broken


def test_a_public_read_sends_no_health_check_before_its_query(postgresql, api, editor, settings, monkeypatch):
    settings.API_CACHE_SECONDS = 0
    article_id = _published(editor)
    assert api.get(f"/api/v1/articles/{article_id}/").status_code == 200
    backend = connections["default"]
    checks = []
    is_usable = type(backend).is_usable
    monkeypatch.setattr(type(backend), "is_usable", lambda self: checks.append(self.alias) or is_usable(self))

    backend.health_check_done = False  # a new request
    assert api.get(f"/api/v1/articles/{article_id}/").status_code == 200

    assert checks == []  # Django's health check (`is_usable`, a `SELECT 1`) was not run


def test_a_read_that_fails_on_a_working_connection_is_not_run_again(postgresql, db):
    from core.sql import fetch_all

    fetch_all("SELECT 1", [])
    pid = connection.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 50")
    try:
        with pytest.raises(OperationalError, match="statement timeout"):
            fetch_all("SELECT pg_sleep(1)", [])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")

    assert connection.connection.info.backend_pid == pid  # the same connection: nothing was retried


@pytest.mark.parametrize("prepared", [True, False])
def test_the_hot_reads_are_prepared_statements_unless_turned_off(postgresql, api, editor, settings, prepared):
    settings.API_CACHE_SECONDS = 0
    settings.DATABASE_PREPARED_READS = prepared
    article_id = _published(editor)
    connection.close()  # a connection of its own: statements are prepared per connection

    for _ in range(2):
        assert api.get(f"/api/v1/articles/{article_id}/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]

    assert (any("d.detail_head" in s for s in statements)) is prepared
    assert not any("articles_revision" in s or "auth_user" in s for s in statements)  # the ORM's never are


def _plans(fragment: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements")
        rows = [(generic, custom) for generic, custom, statement in cursor.fetchall() if fragment in statement]
    assert rows, f"no prepared statement holds {fragment!r}"
    return sum(r[0] for r in rows), sum(r[1] for r in rows)


def test_list_pages_run_on_the_plan_made_once_and_searches_on_plans_for_their_words(postgresql, api, editor, settings):
    settings.API_CACHE_SECONDS = 0
    _published(editor)
    connection.close()  # statements and plans are per connection
    for hour in range(8):  # PostgreSQL plans a statement anew for at least its first five runs
        page = api.get(f"/api/v1/articles/?published_before=2030-01-01T{hour:02d}:00:00Z")
        assert page.status_code == 200 and len(page.json()["results"]) == 1
        assert api.get("/api/v1/articles/?q=断线").status_code == 200

    generic, custom = _plans("a.published_at < $3 AND a.status IN")
    assert (generic, custom) == (8, 0)  # each page ran on the one plan: none was planned again
    generic, custom = _plans("search")
    assert custom >= 5  # with words the planner looks at them (a common word, a rare one)
