"""Property-based fuzzing of what the OpenAPI schema does not describe (issue 25): request
headers and cookies on every kind of path, and the public paths outside the API (feeds,
sitemaps, uploads, previews, health, metrics, the admin). No request may answer a 5xx.

Runs on whichever database the suite runs on (SQLite and PostgreSQL refuse different things);
`FUZZ_HEADER_EXAMPLES` sets how many requests (derandomised: CI replays the same ones).
"""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.articles.factories import ArticleFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_HEADER_EXAMPLES", "400"))

# Header values as a server receives them: any byte, read as latin-1, and values aimed at parsers.
raw = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=255), max_size=120)
pointed = st.sampled_from(
    [
        "",
        "*",
        '"a1v' + "9" * 5000 + '"',
        '"a99999999999999999999v1"',
        'W/"a1v1", "a2v2"',
        '"a1v1',
        "\x00",
        "9" * 400,
        "-1",
        "Mon, 32 Foo 2026 99:99:99 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "bytes=0-0,-1",
        "bytes=99999999999999999999-",
        "unknown",
        "_hidden",
        "203.0.113.5, unknown, ::1",
        "[::1]:99999",
        "Token ",
        "Token " + "x" * 300,
        "Bearer \x00",
        "Basic !!!",
        "zh-CN,zh;q=0.9,en;q=0.8",
        "en;q=garbage,,;;",
        "x" * 2000,
        "00-" + "0" * 32 + "-" + "0" * 16 + "-01",
        "gzip, br, zstd, *;q=0",
        "text/html;q=0.5, application/json",
        "application/json; charset=gbk",
    ]
)
value = st.one_of(raw, pointed)
HEADERS = [
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_LANGUAGE",
    "HTTP_ACCEPT_ENCODING",
    "HTTP_AUTHORIZATION",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_RANGE",
    "HTTP_REFERER",
    "HTTP_ORIGIN",
    "HTTP_USER_AGENT",
    "HTTP_X_REQUEST_ID",
    "HTTP_TRACEPARENT",
    "HTTP_X_CSRFTOKEN",
]
COOKIE_NAMES = ["sessionid", "csrftoken", "portal_primary", "portal_vid", "django_language", "x"]
cookie_value = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters=";"), max_size=80),
    st.sampled_from(["abcdefghij\x00klm", "a" * 40, '"quoted"', "\\x00", "%00", "=" * 20]),
)
cookies = st.dictionaries(st.sampled_from(COOKIE_NAMES), cookie_value, max_size=4)
number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["0", "1", "99999999999999999999", "9" * 5000, "1e3", "٣", "²"]),
)
segment = st.text(max_size=60).map(lambda text: quote(text, safe=""))
PATHS = st.one_of(
    st.tuples(st.sampled_from(["rss", "atom", "json", "xml"])).map(lambda t: f"/feeds/{t[0]}/"),
    st.tuples(
        st.sampled_from(["rss", "atom", "json"]), st.sampled_from(["section", "author", "tag", "x"]), segment
    ).map(lambda t: f"/feeds/{t[0]}/{t[1]}/{t[2]}/"),
    st.just("/sitemap.xml"),
    st.just("/sitemaps/news.xml"),
    number.map(lambda n: f"/sitemaps/articles-{n}.xml"),
    number.map(lambda n: f"/sitemaps/news-{n}.xml"),
    st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/uploads/" + "/".join(parts)),
    st.sampled_from(["/uploads/renditions/ab/x.jpg", "/uploads/renditions/../images/ab/x.jpg"]),
    segment.map(lambda token: f"/preview/{token or 'x'}/"),
    st.sampled_from(["/healthz", "/readyz", "/metrics", "/admin/", "/admin/login/", "/api/schema/", "/api/v1/"]),
    st.sampled_from(["/api/v1/articles/", "/api/v1/trending/", "/api/v1/search/?q=普京", "/api/v1/editor/articles/"]),
    number.map(lambda n: f"/api/v1/articles/{n}/"),
    number.map(lambda n: f"/api/v1/images/{n}/renditions/640w.jpeg"),
    number.map(lambda n: f"/api/v1/editor/articles/{n}/"),
)


@pytest.fixture
def site(db):
    return [ArticleFactory() for _ in range(3)]


@given(
    path=PATHS,
    headers=st.dictionaries(st.sampled_from(HEADERS), value, max_size=5),
    sent_cookies=cookies,
    method=st.sampled_from(["GET", "GET", "GET", "HEAD", "PATCH", "OPTIONS"]),
)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)
def test_no_header_cookie_or_public_path_answers_5xx(site, path, headers, sent_cookies, method):
    client = Client(raise_request_exception=False)
    for name, text in sent_cookies.items():
        client.cookies[name] = text
    if method == "PATCH":
        response = client.patch(path, '{"title": "x"}', content_type="application/json", **headers)
    else:
        response = client.generic(method, path, **headers)

    assert response.status_code < 500, (method, path, headers, sent_cookies, response.content[:300])
