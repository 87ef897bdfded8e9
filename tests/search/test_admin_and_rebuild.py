"""The admin's search box and `manage.py search_rebuild` use the same backend."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from search import services
from search.backends import get_backend
from search.query import parse
from tests.articles.factories import ArticleFactory, AuthorFactory
from tests.search.conftest import ids

pytestmark = pytest.mark.django_db


def test_the_admin_search_box_finds_words_in_the_body_and_drafts(editor, write):
    draft = write("内部草稿", body=["关于里海航运的独家调查。"], publish=False)
    write("无关新闻", body=["天气晴朗。"])
    byline_match = write("另一篇", publish=True)
    byline_match.bylines.create(author=AuthorFactory(name="熊超然"), role="文")
    client = Client()
    client.force_login(editor)

    page = client.get("/admin/articles/article/", {"q": "里海航運"}).content.decode()
    assert "内部草稿" in page and "无关新闻" not in page

    by_name = client.get("/admin/articles/article/", {"q": "熊超然"}).content.decode()
    assert "另一篇" in by_name and "内部草稿" not in by_name
    # Only punctuation: no error page, the slugs and names are still searched.
    assert client.get("/admin/articles/article/", {"q": "!!!"}).status_code == 200
    assert draft.pk


def test_rebuild_indexes_what_skipped_the_change_stream_and_drops_what_is_gone(api):
    made = ArticleFactory(title="批量导入的寒潮报道")  # bulk-made: no outbox event
    assert ids(api.get("/api/v1/search/", {"q": "寒潮"})) == []
    get_backend().index([services.entry_for(made, "")])
    gone_id = made.pk
    made.delete()  # rows deleted behind the services' back
    kept = ArticleFactory(title="寒潮过后气温回升")
    out = io.StringIO()

    call_command("search_rebuild", stdout=out)

    assert "Indexed" in out.getvalue() and "articles" in out.getvalue()
    sql, params = get_backend().match(parse("寒潮"))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert [row[0] for row in cursor.fetchall()] == [kept.pk]
    assert gone_id != kept.pk
