"""The editor API: auth, roles, writes in the read's shape, If-Match, actions, bad input."""

import pytest
from rest_framework.test import APIClient

from articles.models import Article, Block, Revision
from tests.articles.factories import AuthorFactory, OutletFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/editor/articles/"


def _create(client, **fields):
    payload = {"title": "普京抵达巴库", **fields}
    return client.post(URL, payload, format="json")


def test_token_login_and_token_auth(api, editor):
    response = api.post("/api/v1/auth/token/", {"username": "editor1", "password": "pw-editor1"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(URL).status_code == 200


def test_wrong_password_is_400_and_gives_no_token(api, editor):
    response = api.post("/api/v1/auth/token/", {"username": "editor1", "password": "nope"}, format="json")

    assert response.status_code == 400
    assert "token" not in response.json()


def test_anonymous_gets_401_and_plain_readers_403(api, reader):
    assert api.get(URL).status_code == 401
    api.force_authenticate(reader)
    assert api.get(URL).status_code == 403


def test_create_in_the_reads_shape_answers_201_with_etag(editor_api):
    section, tag, outlet = SectionFactory(), TagFactory(), OutletFactory(name="观察者网")
    author = AuthorFactory(name="熊超然")

    response = _create(
        editor_api,
        section=section.pk,
        tags=[tag.pk],
        source=outlet.pk,
        original_url="https://www.guancha.cn/a",
        bylines=[{"author": author.pk, "role": "文"}],
        body=[
            {"type": "paragraph", "html": "当地时间8月18日晚，<b>普京</b>抵达巴库。"},
            {"type": "heading", "text": "背景"},
            {"type": "quote", "text": "这是一次重要访问。", "attribution": "发言人"},
        ],
    )

    assert response.status_code == 201
    data = response.json()
    assert response["ETag"] == f'"a{data["id"]}v1"'
    assert response["Location"] == f"{URL}{data['id']}/"
    assert data["status"] == "draft"
    assert data["slug"] == "pu-jing-di-da-ba-ku"
    assert data["section"]["id"] == section.pk
    assert data["source"]["name"] == "观察者网"
    assert data["bylines"] == [
        {"author": {"id": author.pk, "slug": author.slug, "name": "熊超然", "outlet": None}, "role": "文"}
    ]
    assert data["summary"] == "当地时间8月18日晚，普京抵达巴库。"
    assert data["body"][0] == {"type": "paragraph", "html": "当地时间8月18日晚，<b>普京</b>抵达巴库。"}


def test_paragraph_html_is_sanitised_keeping_text(editor_api):
    response = _create(
        editor_api,
        body=[
            {
                "type": "paragraph",
                "html": '<a href="javascript:alert(1)" onclick="x()">点我</a><script>bad()</script>后文',
            }
        ],
    )

    assert response.status_code == 201
    assert response.json()["body"][0]["html"] == '<a rel="noopener noreferrer">点我</a>后文'


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 2000}, "title"),
        ({"title": "x", "section": 999999}, "section"),
        ({"title": "x", "section": "abc"}, "section"),
        ({"title": "x", "tags": [99999999999999999999]}, "tags"),
        ({"title": "x", "body": [{"type": "video", "text": "x"}]}, "body"),
        ({"title": "x", "body": [{"type": "paragraph", "html": "<script>x</script>"}]}, "body"),
        ({"title": "x", "body": "not a list"}, "body"),
        ({"title": "x", "bylines": [{"author": 424242}]}, "bylines"),
        ({"title": "x", "original_url": "javascript:alert(1)"}, "original_url"),
        ({"title": "x", "summary": "长" * 121}, "summary"),
        ({"title": "x", "slug": "有 空格"}, "slug"),
    ],
)
def test_bad_article_input_answers_400_and_creates_nothing(editor_api, payload, field):
    response = editor_api.post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Article.objects.exists()


def test_malformed_json_answers_400(editor_api):
    response = editor_api.post(URL, data='{"title": "x",', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()


def test_wrong_content_type_answers_415(editor_api):
    response = editor_api.post(URL, data="title=x", content_type="text/plain")

    assert response.status_code == 415


def test_put_and_patch_need_if_match(editor_api):
    article_id = _create(editor_api).json()["id"]

    response = editor_api.patch(f"{URL}{article_id}/", {"title": "新"}, format="json")

    assert response.status_code == 428
    assert Article.objects.get(pk=article_id).title == "普京抵达巴库"


def test_stale_if_match_answers_412_with_current_version(editor_api):
    created = _create(editor_api)
    article_id, etag = created.json()["id"], created["ETag"]
    first = editor_api.patch(f"{URL}{article_id}/", {"title": "第二版"}, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] == f'"a{article_id}v2"'

    stale = editor_api.patch(f"{URL}{article_id}/", {"title": "过期"}, format="json", HTTP_IF_MATCH=etag)

    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert Article.objects.get(pk=article_id).title == "第二版"


def test_if_match_of_another_article_is_refused(editor_api):
    first = _create(editor_api).json()["id"]
    second = _create(editor_api, title="另一篇")

    response = editor_api.patch(f"{URL}{first}/", {"title": "x"}, format="json", HTTP_IF_MATCH=second["ETag"])

    assert response.status_code == 412


def test_put_replaces_body_and_tags(editor_api):
    tag = TagFactory()
    created = _create(editor_api, tags=[tag.pk], body=[{"type": "paragraph", "html": "旧"}])
    article_id = created.json()["id"]

    response = editor_api.put(
        f"{URL}{article_id}/",
        {"title": "新标题", "body": [{"type": "heading", "text": "新"}]},
        format="json",
        HTTP_IF_MATCH=created["ETag"],
    )

    assert response.status_code == 200
    assert response.json()["tags"] == []
    assert list(Block.objects.filter(article_id=article_id).values_list("type", "text")) == [("heading", "新")]


def test_writer_edits_own_draft_but_cannot_publish(writer_api):
    created = _create(writer_api)
    article_id = created.json()["id"]

    assert (
        writer_api.patch(
            f"{URL}{article_id}/", {"title": "改"}, format="json", HTTP_IF_MATCH=created["ETag"]
        ).status_code
        == 200
    )
    response = writer_api.post(f"{URL}{article_id}/publish/")

    assert response.status_code == 403
    assert Article.objects.get(pk=article_id).status == "draft"


def test_writer_cannot_see_or_touch_others_drafts(editor_api, writer_api):
    article_id = _create(editor_api).json()["id"]

    # Someone else's draft is answered exactly like an article that does not exist.
    seen, missing = writer_api.get(f"{URL}{article_id}/"), writer_api.get(f"{URL}99999/")
    submitted = writer_api.post(f"{URL}{article_id}/submit/")
    assert (seen.status_code, seen.json()) == (missing.status_code, missing.json())
    assert seen.status_code == 404
    assert submitted.status_code == 404
    assert Article.objects.get(pk=article_id).status == "draft"


def test_writer_is_told_why_a_published_article_of_someone_else_is_refused(editor_api, writer_api):
    article_id = _create(editor_api).json()["id"]
    editor_api.post(f"{URL}{article_id}/publish/")

    response = writer_api.get(f"{URL}{article_id}/")

    assert response.status_code == 403
    assert response.json()["detail"] == "作者只能查看和修改自己的文章。"
    english = writer_api.get(f"{URL}{article_id}/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == "Writers can see and change only their own articles."


def test_related_picks_must_be_published_and_never_leak_a_draft_title(editor_api, writer_api):
    secret = _create(editor_api, title="尚未公布的独家新闻").json()["id"]
    own = writer_api.post(URL, {"title": "写手稿"}, format="json")
    url = f"{URL}{own.json()['id']}/"

    draft_pick = writer_api.patch(url, {"related": [secret]}, format="json", HTTP_IF_MATCH=own["ETag"])
    missing_pick = writer_api.patch(url, {"related": [99999]}, format="json", HTTP_IF_MATCH=own["ETag"])
    editors_pick = editor_api.patch(url, {"related": [secret]}, format="json", HTTP_IF_MATCH=own["ETag"])

    assert draft_pick.status_code == missing_pick.status_code == editors_pick.status_code == 400
    assert draft_pick.json()["related"] == [m.replace("99999", str(secret)) for m in missing_pick.json()["related"]]
    revisions = writer_api.get(f"{url}revisions/").json()["results"]
    kept = [r.data for r in Revision.objects.filter(article_id=own.json()["id"])]
    assert "尚未公布" not in str(revisions) and "尚未公布" not in str(kept)


def test_submit_then_publish_actions_answer_200_with_the_article(writer_api, editor_api, api):
    article_id = _create(writer_api).json()["id"]

    submitted = writer_api.post(f"{URL}{article_id}/submit/")
    published = editor_api.post(f"{URL}{article_id}/publish/")

    assert (submitted.status_code, submitted.json()["status"]) == (200, "review")
    assert (published.status_code, published.json()["status"]) == (200, "published")
    assert published.json()["published_at"] is not None
    assert api.get(f"/api/v1/articles/{article_id}/").status_code == 200


def test_invalid_transition_answers_409_with_current_state(editor_api):
    article_id = _create(editor_api).json()["id"]
    editor_api.post(f"{URL}{article_id}/publish/")

    response = editor_api.post(f"{URL}{article_id}/submit/")

    assert response.status_code == 409
    assert response.json()["status"] == "published"


def test_editor_list_shows_every_status_and_filters(editor_api):
    draft_id = _create(editor_api).json()["id"]
    published_id = _create(editor_api, title="已发").json()["id"]
    editor_api.post(f"{URL}{published_id}/publish/")

    everything = [item["id"] for item in editor_api.get(URL).json()["results"]]
    drafts = [item["id"] for item in editor_api.get(f"{URL}?status=draft").json()["results"]]

    assert set(everything) == {draft_id, published_id}
    assert drafts == [draft_id]
    assert editor_api.get(f"{URL}?status=bogus").status_code == 400


def test_taxonomy_is_managed_by_editors_only(editor_api, writer_api):
    response = editor_api.post("/api/v1/editor/sections/", {"name": "国际"}, format="json")
    assert response.status_code == 201
    assert response.json()["slug"] == "guo-ji"

    assert writer_api.post("/api/v1/editor/tags/", {"name": "能源"}, format="json").status_code == 403
    assert writer_api.get("/api/v1/editor/tags/").status_code == 200
    duplicate = editor_api.post("/api/v1/editor/sections/", {"name": "国际"}, format="json")
    assert duplicate.status_code == 400


def test_deleting_an_author_in_use_is_409(editor_api):
    author = AuthorFactory()
    _create(editor_api, bylines=[{"author": author.pk}])

    response = editor_api.delete(f"/api/v1/editor/authors/{author.pk}/")

    assert response.status_code == 409
    assert "detail" in response.json()


def test_outlets_crud(editor_api):
    created = editor_api.post(
        "/api/v1/editor/outlets/", {"name": "澎湃新闻", "url": "https://www.thepaper.cn/"}, format="json"
    )
    outlet_id = created.json()["id"]

    assert created.status_code == 201
    assert (
        editor_api.patch(f"/api/v1/editor/outlets/{outlet_id}/", {"name": "澎湃"}, format="json").json()["name"]
        == "澎湃"
    )
    assert editor_api.delete(f"/api/v1/editor/outlets/{outlet_id}/").status_code == 204


def test_token_login_is_throttled_with_429(api, editor, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "3/min"}}

    answers = [
        api.post("/api/v1/auth/token/", {"username": "editor1", "password": "wrong"}, format="json").status_code
        for _ in range(4)
    ]

    assert answers == [400, 400, 400, 429]


def test_writers_may_not_set_editor_tools_on_their_drafts(writer_api, editor_api, writer):
    from tests.articles.test_admin import _client

    made_with_slug = writer_api.post(URL, {"title": "写手稿", "slug": "my-own-slug"}, format="json")
    made_with_boost = writer_api.post(URL, {"title": "写手稿", "search_boost": 3}, format="json")
    own = writer_api.post(URL, {"title": "写手稿"}, format="json")
    url = f"{URL}{own.json()['id']}/"
    boosted = writer_api.patch(url, {"search_boost": 2}, format="json", HTTP_IF_MATCH=own["ETag"])
    renamed = writer_api.patch(url, {"slug": "chosen"}, format="json", HTTP_IF_MATCH=own["ETag"])
    # Sending back what is in place (a client echoing the whole article) is no attempt to set it.
    echoed = writer_api.patch(
        url,
        {"slug": own.json()["slug"], "search_boost": 0, "title": "改过的标题"},
        format="json",
        HTTP_IF_MATCH=own["ETag"],
    )
    by_editor = editor_api.patch(
        url, {"search_boost": 2, "slug": "chosen"}, format="json", HTTP_IF_MATCH=echoed["ETag"]
    )

    assert [made_with_slug.status_code, made_with_boost.status_code] == [403, 403]
    assert "slug" in made_with_slug.json()["detail"] and "search_boost" in made_with_boost.json()["detail"]
    assert [boosted.status_code, renamed.status_code, echoed.status_code] == [403, 403, 200]
    assert by_editor.status_code == 200 and by_editor.json()["slug"] == "chosen"
    assert Article.objects.count() == 1  # the refused creations left nothing
    # In the admin, a writer sees both as read-only.
    page = _client(writer).get(f"/admin/articles/article/{own.json()['id']}/change/").content.decode()
    assert 'name="slug"' not in page and 'name="search_boost"' not in page
