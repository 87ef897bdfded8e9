"""The short path for public reads (core.public_reads) answers exactly what the whole chain
answers: the same status, body and headers, for hits and misses, conditional requests, HEAD,
filters, cursors and every error, while skipping the session's middleware and DRF."""

import pytest
from django.test import Client

from articles import services as article_services
from core import api_cache
from tests.articles.factories import SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

VOLATILE = {"Date", "X-Request-ID"}


@pytest.fixture
def site(editor, relayed):
    section, tag = SectionFactory(slug="china"), TagFactory(slug="diplomacy")
    ids = []
    for n in range(5):
        article = relayed(
            article_services.article_create, by=editor, title=f"短路径第{n}篇", section=section, tags=[tag]
        )
        relayed(article_services.article_publish, article_id=article.pk, by=editor)
        ids.append(article.pk)
    return ids


def _answers(settings, short: bool, requests: list[tuple[str, dict]]) -> list[tuple]:
    """Each request's status, body and headers, from an emptied cache, on one path or the other."""
    settings.PUBLIC_READS_SHORT_PATH = short
    api_cache._Local.forget()
    api_cache.invalidate()
    client = Client()
    found = []
    for url, headers in requests:
        method = headers.pop("method", "GET")
        response = client.generic(method, url, headers=headers)
        kept = {name: value for name, value in response.headers.items() if name not in VOLATILE}
        found.append((url, response.status_code, response.content, kept, hasattr(response.wsgi_request, "session")))
    return found


def _compare(settings, requests):
    whole = _answers(settings, False, [(u, dict(h)) for u, h in requests])
    short = _answers(settings, True, [(u, dict(h)) for u, h in requests])
    assert [a[:4] for a in short] == [a[:4] for a in whole]
    return whole, short


def test_details_answer_the_same_on_both_paths(settings, site):
    settings.API_CACHE_SECONDS = 60
    first = site[0]
    detail = f"/api/v1/articles/{first}/"
    requests = [(detail, {})] * 4  # a miss, then admitted to the shared cache, then a hit
    requests += [(detail, {"If-None-Match": "*"}), (detail, {"method": "HEAD"})]
    requests += [(f"/api/v1/articles/{first}/", {"Accept-Language": "en"})]
    requests += [("/api/v1/articles/999999/", {}), ("/api/v1/articles/99999999999999999999/", {})]
    requests += [("/api/v1/articles/999999/", {"Accept-Language": "en"})]

    whole, short = _compare(settings, requests)

    assert [status for _, status, *_ in short] == [200, 200, 200, 200, 200, 200, 200, 404, 404, 404]
    assert [taken for *_, taken in short[:7]] == [False] * 7  # the short path answered: no session ran
    assert all(taken for *_, taken in whole)
    etag = short[0][3]["ETag"]
    conditional = _answers(settings, True, [(detail, {}), (detail, {"If-None-Match": etag})])
    assert [c[1] for c in conditional] == [200, 304]


def test_list_pages_answer_the_same_on_both_paths(settings, site):
    settings.API_CACHE_SECONDS = 60
    client = Client()
    cursor = client.get("/api/v1/articles/?page_size=2").json()["next"].split("?", 1)[1]
    requests = [
        ("/api/v1/articles/", {}),
        ("/api/v1/articles/", {}),  # a hit
        ("/api/v1/articles/?page_size=2", {}),
        (f"/api/v1/articles/?{cursor}", {}),
        ("/api/v1/articles/?section=china&tag=diplomacy", {}),
        ("/api/v1/articles/?section=nowhere", {}),  # 404: no such section
        ("/api/v1/articles/?page_size=0", {}),  # 400
        ("/api/v1/articles/?published_after=not-a-time", {"Accept-Language": "en"}),  # 400
        ("/api/v1/articles/?cursor=garbage", {}),  # 400: an invalid cursor
    ]

    whole, short = _compare(settings, requests)

    assert [status for _, status, *_ in short] == [200, 200, 200, 200, 200, 404, 400, 400, 400]
    assert [taken for *_, taken in short[:5]] == [False] * 5


def test_with_the_response_cache_off_the_short_path_still_answers_the_same(settings, site):
    settings.API_CACHE_SECONDS = 0
    requests = [(f"/api/v1/articles/{site[1]}/", {}), ("/api/v1/articles/?page_size=3", {})]

    whole, short = _compare(settings, requests)

    assert [taken for *_, taken in short] == [False, False]


def test_writes_and_editors_reads_go_the_whole_way(settings, site, editor):
    settings.PUBLIC_READS_SHORT_PATH = True
    client = Client()
    client.force_login(editor)

    response = client.get(f"/api/v1/editor/articles/{site[0]}/")

    assert response.status_code == 200 and hasattr(response.wsgi_request, "session")
    assert Client().post("/api/v1/articles/", {}).status_code == 405
