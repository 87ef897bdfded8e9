"""Odd input found from outside answers 400 or 404 with JSON, never a 500 (defect 13.9).

Run on the embedded defaults and on PostgreSQL, where NUL characters used to fail in the driver.
"""

import base64
import re

import pytest
from django.test import Client

from tests.articles.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def site():
    section = SectionFactory(slug="world")
    article = ArticleFactory(section=section)
    article.tags.add(TagFactory(slug="energy"))
    AuthorFactory(slug="xiong")
    return article


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/authors/%00/",
        "/api/v1/authors/xi%00ong/",
        "/api/v1/tags/%00/",
        "/api/v1/sections/%00/",
        "/api/v1/articles/%00/",
        "/api/v1/trending/?section=%00",
        "/api/v1/articles/?section=%00",
        "/api/v1/articles/?tag=en%00ergy",
        "/api/v1/articles/?q=%00",
        "/api/v1/articles/?%00=1",
        "/api/v1/articles/?cursor=" + base64.b64encode(b"p=%00&o=0").decode(),
        "/api/v1/articles/?cursor=" + base64.b64encode(b"p=2026-01-01%00&r=1").decode(),
        "/api/v1/authors/?cursor=" + base64.b64encode(b"p=%00").decode(),
        "/api/v1/articles/?page_size=%C2%B2",  # ², a digit to isdigit() that int() refuses
        "/api/v1/articles/?page_size=%D9%A1",  # ١, Arabic-Indic one
        "/api/v1/trending/?limit=%C2%B2",
        "/api/v1/trending/?limit=99999999999999999999999",
        "/api/v1/articles/?page_size=99999999999999999999999",
    ],
)
def test_odd_paths_and_queries_answer_400_or_404(site, path):
    response = Client().get(path)

    assert response.status_code in (400, 404), response.content
    assert "application/json" in response["Content-Type"]


NESTED = "[" * 5000 + "]" * 5000
NESTED_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT, '{"events": ' + NESTED + "}"])
@pytest.mark.parametrize(
    "url, who",
    [
        ("/api/v1/trending/events/", None),
        ("/api/v1/auth/token/", None),
        ("/api/v1/editor/articles/", "editor"),
        ("/api/v1/editor/trending/pins/", "editor"),
        ("/api/v1/editor/tags/", "editor"),
    ],
)
def test_json_nested_5000_deep_is_a_400(request, url, who, body):
    client = Client(HTTP_USER_AGENT=BROWSER)
    if who:
        client.force_login(request.getfixturevalue(who))

    response = client.post(url, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert "detail" in response.json()


@pytest.mark.parametrize("value", ["1e309", "-1e309", "1.5", "true", '"abc"', "99999999999999999999999", "0", "-3"])
def test_a_number_that_is_no_id_is_a_400_where_an_id_is_expected(editor, site, value):
    client = Client()
    client.force_login(editor)

    article = client.post(
        "/api/v1/editor/articles/", '{"title": "标题", "section": ' + value + "}", content_type="application/json"
    )
    tags = client.post(
        "/api/v1/editor/articles/", '{"title": "标题", "tags": [' + value + "]}", content_type="application/json"
    )
    pin = client.post(
        "/api/v1/editor/trending/pins/", '{"article": ' + value + ', "position": 1}', content_type="application/json"
    )
    event = Client(HTTP_USER_AGENT=BROWSER).post(
        "/api/v1/trending/events/", '{"article": ' + value + "}", content_type="application/json"
    )

    assert (article.status_code, tags.status_code, pin.status_code) == (400, 400, 400)
    # The field is named, or (1e309 and beyond a double) the body is refused as a whole.
    assert {"section", "detail"} & set(article.json()) and {"tags", "detail"} & set(tags.json())
    assert {"article", "detail"} & set(pin.json())
    assert event.status_code in (202, 400) and event.json().get("accepted", 0) == 0


@pytest.mark.parametrize(
    "query", ["agency=1.5", "agency=1e309", "agency=NaN", "agency=%C2%B2", "expiring_within_days=1.5"]
)
def test_a_float_on_an_integer_filter_of_the_image_list_is_a_400(photo_editor, query):
    client = Client()
    client.force_login(photo_editor)

    response = client.get(f"/api/v1/editor/images/?{query}")

    assert response.status_code == 400, response.content


def test_api_errors_speak_one_language_and_the_admin_keeps_its_own(api, editor):
    from django.test import Client

    missing = api.get("/api/v1/articles/99999/")
    unauthenticated = api.get("/api/v1/editor/articles/")
    admin = Client()
    admin.force_login(editor)
    page = admin.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    # No Accept-Language: the site's language, ours and DRF's messages alike.
    assert missing.json() == {"detail": "没有这个 id 的已发布文章。"}
    assert unauthenticated.json() == {"detail": "身份认证信息未提供。"}
    assert missing["Content-Language"] == "zh-hans" and "Accept-Language" in missing["Vary"]
    # The admin reads in the newsroom's language whatever the browser asks for.
    assert "编辑部" in page


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,en;q=0.5", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("fr", "zh-hans"),
        ("*", "zh-hans"),
        ("en;q=garbage,,;;", "zh-hans"),
        ("x" * 600, "zh-hans"),
    ],
)
def test_api_errors_follow_accept_language_and_never_mix(api, editor_api, header, language):
    answers = [
        api.get("/api/v1/articles/99999/", HTTP_ACCEPT_LANGUAGE=header),  # ours, 404
        api.get("/api/v1/editor/articles/", HTTP_ACCEPT_LANGUAGE=header),  # DRF's, 401
        api.get("/api/v1/articles/?page_size=0", HTTP_ACCEPT_LANGUAGE=header),  # ours, on a field
        api.get("/api/v1/no-such-path/", HTTP_ACCEPT_LANGUAGE=header),  # Django's 404 made JSON
        editor_api.post(  # a serializer's field errors (DRF) beside the service's (ours)
            "/api/v1/editor/articles/",
            {"title": "", "body": [{"type": "poem"}]},
            format="json",
            HTTP_ACCEPT_LANGUAGE=header,
        ),
    ]
    texts = [str(a.json()) for a in answers]

    assert [a.status_code for a in answers] == [404, 401, 400, 404, 400]
    assert all(a["Content-Language"] == language for a in answers)
    has_chinese = [bool(re.search(r"[\u4e00-\u9fff]", text)) for text in texts]
    assert has_chinese == [language == "zh-hans"] * len(texts), texts


def test_a_successful_public_answer_is_the_same_in_every_language(api, site):
    english = api.get("/api/v1/articles/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api.get("/api/v1/articles/", HTTP_ACCEPT_LANGUAGE="zh-CN")

    # Content, not messages: one copy in every cache, no Vary on the language.
    assert english.content == chinese.content
    assert "Accept-Language" not in english.get("Vary", "") and not english.has_header("Content-Language")


def test_the_api_root_lists_every_public_part(api):
    links = api.get("/api/v1/").json()

    assert {"articles", "authors", "sections", "tags", "trending", "trending_events"} <= set(links)


def test_an_unknown_section_is_404_on_the_list_and_on_the_rail(api, site):
    listing = api.get("/api/v1/articles/?section=no-such-section")
    rail = api.get("/api/v1/trending/?section=no-such-section")
    known_but_empty = api.get("/api/v1/articles/?section=world&published_before=2001-01-01T00:00:00Z")

    assert (listing.status_code, rail.status_code) == (404, 404)
    assert listing.json() == {"detail": "没有这个 slug 的栏目。"} == rail.json()
    assert known_but_empty.status_code == 200 and known_but_empty.json()["results"] == []
    assert api.get("/api/v1/articles/?tag=no-such-tag").status_code == 404


@pytest.mark.parametrize("path", ["/admin/", "/api/v1/editor/articles/", "/api/v1/articles/"])
def test_a_session_cookie_with_a_nul_is_no_session_not_a_500(site, path):
    client = Client(HTTP_USER_AGENT=BROWSER)
    client.cookies["sessionid"] = "abcdefghij\x00klm"

    response = client.get(path)

    # Not logged in: the admin's login page, the editor API's 401, the public answer.
    assert response.status_code in (200, 302, 401), response.content[:300]


def test_an_if_match_beyond_any_integer_is_a_412_not_a_500(editor, site):
    client = Client()
    client.force_login(editor)

    response = client.patch(
        f"/api/v1/editor/articles/{site.pk}/",
        '{"title": "新标题"}',
        content_type="application/json",
        HTTP_IF_MATCH='"a1v' + "9" * 5000 + '"',
    )

    assert response.status_code == 412, response.content[:300]
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/sitemaps/articles-99999999999999999999.xml",
        "/sitemaps/articles-" + "9" * 5000 + ".xml",
        "/sitemaps/articles-0.xml",
    ],
)
def test_a_sitemap_page_beyond_any_integer_is_a_404(site, path):
    assert Client().get(path).status_code == 404
