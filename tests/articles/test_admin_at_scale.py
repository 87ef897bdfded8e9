"""The article desk costs the same with a million articles as with a hundred: no filter lists its
choices by reading every article, a search never joins the bylines into the list, the count stops
where paging stops, and every sort offered walks an index."""

from datetime import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Byline
from search import services as search_services
from tests.articles.factories import ArticleFactory, AuthorFactory, SectionFactory, with_bylines

pytestmark = pytest.mark.django_db

LIST = "/admin/articles/article/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _listed(page: str) -> list[str]:
    import re

    return re.findall(r'class="field-title_and_who"><a href="/admin/articles/article/(\d+)/change/', page)


def _page(client, params: dict | None = None) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params or {})
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_searching_an_author_finds_each_article_once_without_distinct(editor):
    xiong, xiong_too = AuthorFactory(name="熊超然"), AuthorFactory(name="熊二")
    both = with_bylines(ArticleFactory(title="两位作者"), xiong, xiong_too)
    one = with_bylines(ArticleFactory(title="一位作者"), xiong)
    with_bylines(ArticleFactory(title="别人写的"), AuthorFactory(name="王芳"))

    page, sql = _page(_client(editor), {"q": "熊"})

    assert sorted(_listed(page)) == sorted([str(both.pk), str(one.pk)])
    assert not any("DISTINCT" in q for q in sql)


def test_a_search_looks_at_the_newest_matches_and_a_slugs_beginning(editor, settings):
    settings.DESK_SEARCH_LIMIT = 2
    matches = [ArticleFactory(title=f"抗洪救灾第{i}天") for i in range(3)]
    by_slug = ArticleFactory(title="另一篇", slug="kang-hong-zong-shu")
    search_services.rebuild()  # factories skip the change stream; the search box reads the index

    page, _ = _page(_client(editor), {"q": "抗洪"})
    by_slug_page, _ = _page(_client(editor), {"q": "kang-hong"})

    assert sorted(_listed(page)) == sorted(str(a.pk) for a in matches[1:])  # the newest two
    assert _listed(by_slug_page) == [str(by_slug.pk)]


def test_the_count_stops_where_paging_stops(editor, settings):
    settings.DESK_COUNT_LIMIT = 3
    for _ in range(5):
        ArticleFactory()

    page, sql = _page(_client(editor))
    narrowed, _ = _page(_client(editor), {"status__exact": "draft"})

    assert "超过 3 篇文章" in page or "more than 3 articles" in page
    counts = [q for q in sql if "COUNT(" in q]
    assert counts and all("LIMIT 4" in q for q in counts)
    assert _listed(narrowed) == [] and "超过" not in narrowed  # under the limit: counted exactly


def test_the_year_filter_lists_years_from_the_first_and_last_date(editor):
    local = timezone.get_current_timezone()
    old = ArticleFactory(published_at=datetime(2019, 6, 1, 12, tzinfo=local))
    ArticleFactory(published_at=datetime(2021, 6, 1, 12, tzinfo=local))
    client = _client(editor)

    page, sql = _page(client)
    in_2019, _ = _page(client, {"published_at_year": "2019"})
    nonsense, _ = _page(client, {"published_at_year": "99999"})

    assert all(f"published_at_year={year}" in page for year in ("2019", "2020", "2021"))
    assert not any("DATE_TRUNC" in q.upper() or "django_datetime_trunc" in q for q in sql)
    assert _listed(in_2019) == [str(old.pk)]
    assert len(_listed(nonsense)) == 2  # a year no list offers is ignored, not an error


@pytest.mark.parametrize("sort", ["2", "-2", "3", "5", "-5", "6", "-6", "7", "-7"])
def test_every_offered_sort_answers_without_distinct_or_joins_for_order(editor, sort):
    section = SectionFactory(name="国际")
    for i in range(3):
        ArticleFactory(section=section if i else None)

    page, sql = _page(_client(editor), {"o": sort})

    listed = [q for q in sql if 'FROM "articles_article"' in q and "ORDER BY" in q and "COUNT(" not in q]
    assert len(_listed(page)) == 3 and listed
    assert not any("DISTINCT" in q for q in listed)
    # Ordered by the article's own columns (each has an index), never by a joined table's.
    order = listed[0].split("ORDER BY", 1)[1]
    assert '"articles_section"' not in order


def test_the_title_is_not_offered_as_a_sort(editor):
    ArticleFactory()
    page, _ = _page(_client(editor))
    assert 'class="sortable column-title_and_who' not in page


def test_the_editor_lists_q_is_the_newest_matches(editor_api, settings):
    settings.DESK_SEARCH_LIMIT = 2
    matches = [ArticleFactory(title=f"台风登陆第{i}报") for i in range(3)]
    search_services.rebuild()

    response = editor_api.get("/api/v1/editor/articles/", {"q": "台风"})

    assert response.status_code == 200
    assert sorted(item["id"] for item in response.json()["results"]) == sorted(a.pk for a in matches[1:])
    assert editor_api.get("/api/v1/editor/articles/", {"q": "，。"}).status_code == 400


def test_authors_with_many_articles_still_match_by_name(editor):
    author = AuthorFactory(name="新华社记者")
    articles = [ArticleFactory() for _ in range(3)]
    Byline.objects.bulk_create(Byline(article=a, author=author, position=0) for a in articles)

    page, _ = _page(_client(editor), {"q": "新华社"})

    assert sorted(_listed(page)) == sorted(str(a.pk) for a in articles)
    assert Article.objects.count() == 3
