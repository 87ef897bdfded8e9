"""The public list's hand-written keyset query walks exactly as DRF's cursor pagination over the
ORM did: the same pages, the same next and previous links, ties on `published_at` included."""

import base64
import random
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from articles.api.views import ArticlePagination
from articles.models import Article
from articles.selectors import public_q
from tests.articles.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory, with_bylines

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uncached(settings):
    settings.API_CACHE_SECONDS = 0


@pytest.fixture
def archive():
    """31 public articles, many sharing a second (as a bulk import does), plus ones never listed."""
    rng = random.Random(4)
    base = timezone.now().replace(microsecond=0) - timedelta(days=2)
    world, china = SectionFactory(slug="world"), SectionFactory(slug="china")
    tag, author = TagFactory(slug="diplomacy"), AuthorFactory(slug="lin")
    for n in range(31):
        article = ArticleFactory(
            published_at=base + timedelta(minutes=rng.choice([0, 0, 0, 5, 9, 9, 20, 33, 33, 33])),
            section=rng.choice([world, china]),
        )
        if n % 3 == 0:
            article.tags.add(tag)
        if n % 4 == 0:
            with_bylines(article, author)
    ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))


def _orm_reference(url: str, queryset) -> tuple[list[int], str | None, str | None]:
    """What DRF's cursor pagination gives over the ORM for the same URL."""
    request = Request(APIRequestFactory().get(url))
    paginator = ArticlePagination()
    page = paginator.paginate_queryset(queryset.values("id", "published_at"), request)
    return [row["id"] for row in page], paginator.get_next_link(), paginator.get_previous_link()


def _walk(api, url: str, link: str, limit: int = 40) -> list[tuple[list[int], str | None, str | None]]:
    pages = []
    while url and len(pages) < limit:
        body = api.get(url).json()
        pages.append(([item["id"] for item in body["results"]], body["next"], body["previous"]))
        url = body[link]
    return pages


@pytest.mark.parametrize(
    "query",
    ["page_size=4", "page_size=3&section=china", "page_size=2&tag=diplomacy", "page_size=5&author=lin", "page_size=1"],
)
def test_forward_and_back_match_drf_over_the_orm_page_for_page(api, archive, query):
    public = Article.objects.filter(public_q())
    if "section" in query:
        public = public.filter(section__slug="china")
    if "tag" in query:
        public = public.filter(tags__slug="diplomacy")
    if "author" in query:
        public = public.filter(bylines__author__slug="lin")
    expected = list(public.order_by("-published_at", "-id").values_list("id", flat=True))

    forward = _walk(api, f"http://testserver/api/v1/articles/?{query}", "next")
    assert [i for ids, _, _ in forward for i in ids] == expected
    # Every page, links included, is what DRF gave over the ORM for the same URL...
    url = f"http://testserver/api/v1/articles/?{query}"
    for page in forward:
        assert page == _orm_reference(url, public)
        url = page[1]
    # ...and so is every page walking back from the last (reversing over ties skips a few,
    # as DRF's cursors always have; the point is that nothing differs from them).
    url = forward[-1][2]
    backward = _walk(api, url, "previous")
    for page in backward:
        assert page == _orm_reference(url, public)
        url = page[2]
    assert backward[-1][2] is None  # back at the first page


def _cursor(**tokens) -> str:
    return base64.b64encode(urlencode(tokens).encode()).decode()


@pytest.mark.parametrize(
    "tokens",
    [
        {"p": "2026-13-45 00:00:00+00:00"},  # shaped like a time, but no day
        {"p": "not a time"},
        {"p": "99999-01-01 00:00:00+00:00"},
        {"p": "2026-01-01 00:00:00+00:00", "o": "-3"},
        {"p": "2026-01-01 00:00:00+00:00", "r": "x"},
    ],
)
def test_forged_cursors_are_400_naming_the_cursor(api, archive, tokens):
    response = api.get(f"/api/v1/articles/?cursor={_cursor(**tokens)}")

    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_cursor_of_a_date_only_position_reads_as_midnight_like_the_orm(api, archive):
    response = api.get(f"/api/v1/articles/?cursor={_cursor(p='2000-01-01')}&page_size=2")

    assert response.status_code == 200
    assert response.json()["results"] == []  # nothing is older than 2000


def test_filters_combine_and_unknown_slugs_are_404(api, archive):
    combined = api.get("/api/v1/articles/?section=china&tag=diplomacy&author=lin&page_size=50").json()["results"]
    expected = Article.objects.filter(
        public_q(), section__slug="china", tags__slug="diplomacy", bylines__author__slug="lin"
    ).count()
    assert len(combined) == expected
    assert api.get("/api/v1/articles/?section=nowhere").status_code == 404
    assert api.get("/api/v1/articles/?tag=nowhere").json() == {"detail": "没有这个 slug 的标签。"}
    assert api.get("/api/v1/articles/?tag=nowhere", HTTP_ACCEPT_LANGUAGE="en").json() == {
        "detail": "No tag has this slug."
    }


def test_next_links_keep_the_filters_and_page_size(api, archive):
    body = api.get("http://testserver/api/v1/articles/?section=china&page_size=2").json()
    query = parse_qs(urlparse(body["next"]).query)

    assert query["section"] == ["china"] and query["page_size"] == ["2"] and "cursor" in query
