"""Precise invalidation with the response cache on: a change reaches exactly the cached answers
that show it (a photo's credit, an agency, an author, an outlet, a related link), and an edit
that moves nothing between list pages leaves the other list pages cached (issue 9)."""

import pytest

from articles import documents
from articles import services as article_services
from core.models import OutboxEvent
from distribution.purge import queue as purge
from media import services as media_services
from media.models import Agency
from tests.articles.factories import AuthorFactory, OutletFactory, SectionFactory
from tests.media.factories import make_image

# `rf` is pytest-django's request factory.

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_cache_only(settings):
    settings.API_CACHE_SECONDS = 60
    settings.API_LOCAL_CACHE_SECONDS = 0  # every read asks the shared cache, as another process would


@pytest.fixture
def published(editor, relayed):
    def publish(title="普京抵达巴库", **fields):
        article = relayed(article_services.article_create, by=editor, title=title, **fields)
        relayed(article_services.article_publish, article_id=article.pk, by=editor)
        return article

    return publish


def _credit(answer: dict) -> str:
    return answer["lead_image"]["credit"]["line"]


def test_a_new_credit_reaches_cached_details_and_lists(api, photo_editor, published, relayed):
    image = make_image(photo_editor, credit_line="澎湃影像")
    article = published(
        "配图新闻", lead_image=image, body=[{"type": "paragraph", "text": "正文"}, {"type": "image", "image": image}]
    )
    detail_url = f"/api/v1/articles/{article.pk}/"
    assert _credit(api.get(detail_url).json()) == "澎湃影像"
    assert _credit(api.get("/api/v1/articles/").json()["results"][0]) == "澎湃影像"

    relayed(media_services.image_update, image_id=image.pk, by=photo_editor, data={"credit_line": "新华社"})

    detail = api.get(detail_url)
    assert _credit(detail.json()) == "新华社"
    assert detail.json()["body"][1]["credit"] == "新华社"
    assert f"image-{image.pk}" in detail["Surrogate-Key"].split()
    listed = api.get("/api/v1/articles/")
    assert _credit(listed.json()["results"][0]) == "新华社"
    assert f"image-{image.pk}" in listed["Surrogate-Key"].split()


def test_a_renamed_agency_reaches_the_credits_that_name_it(api, photo_editor, published, relayed):
    agency = Agency.objects.create(name="澎湃影像")
    image = make_image(photo_editor, agency=agency)
    article = published("通讯社图片", lead_image=image)
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["lead_image"]["credit"]["agency"] == "澎湃影像"

    agency.name = "澎湃新闻图片"
    relayed(media_services.agency_save, agency=agency, by=photo_editor)
    relayed(documents.documents_refresh)  # the workers render the documents naming it anew

    assert api.get(f"/api/v1/articles/{article.pk}/").json()["lead_image"]["credit"]["agency"] == "澎湃新闻图片"
    assert api.get("/api/v1/articles/").json()["results"][0]["lead_image"]["credit"]["agency"] == "澎湃新闻图片"


def test_a_renamed_author_and_outlet_reach_cached_answers(api, editor, published, relayed):
    author, outlet = AuthorFactory(name="林晓舟"), OutletFactory(name="观察者网")
    article = published(bylines=[{"author": author, "role": "文"}], source=outlet)
    assert api.get(f"/api/v1/articles/{article.pk}/").json()["source"]["name"] == "观察者网"
    assert api.get("/api/v1/articles/").json()["results"][0]["authors"][0]["name"] == "林晓舟"

    author.name, outlet.name = "林小舟", "观察者"
    relayed(article_services.taxonomy_save, instance=author, by=editor)
    relayed(article_services.taxonomy_save, instance=outlet, by=editor)
    relayed(documents.documents_refresh)  # the workers render the documents naming them anew

    detail = api.get(f"/api/v1/articles/{article.pk}/").json()
    assert (detail["bylines"][0]["author"]["name"], detail["source"]["name"]) == ("林小舟", "观察者")
    assert api.get("/api/v1/articles/").json()["results"][0]["authors"][0]["name"] == "林小舟"


def test_unpublishing_an_article_takes_its_link_out_of_cached_details(api, editor, published, relayed):
    section = SectionFactory()
    older, newer = published("旧闻", section=section), published("新闻", section=section)
    assert [r["id"] for r in api.get(f"/api/v1/articles/{newer.pk}/").json()["related"]] == [older.pk]

    relayed(article_services.article_unpublish, article_id=older.pk, by=editor)

    assert api.get(f"/api/v1/articles/{newer.pk}/").json()["related"] == []
    event = OutboxEvent.objects.filter(type="article.unpublished").get()
    assert f"article-{newer.pk}" in event.keys  # the relay named the detail that linked to it
    assert f"article-{newer.pk}" in purge.backend().purged[-1]


def test_an_edit_that_moves_nothing_keeps_other_list_pages(api, editor, published, relayed, django_assert_num_queries):
    first, second = SectionFactory(slug="world"), SectionFactory(slug="china")
    edited, other = published("要改的稿子", section=first), published("旁边的稿子", section=second)
    api.get("/api/v1/articles/?section=china")

    relayed(
        article_services.article_update,
        article_id=edited.pk,
        by=editor,
        expected_version=edited.version + 1,
        data={"title": "改好的稿子"},
    )

    event = OutboxEvent.objects.filter(type="article.updated").latest("id")
    assert event.keys == sorted([f"article-{edited.pk}", "search", "sitemap"])  # sitemaps show its last change
    with django_assert_num_queries(0):  # the page without the edited article is still cached
        assert api.get("/api/v1/articles/?section=china").json()["results"][0]["id"] == other.pk
    assert api.get("/api/v1/articles/").json()["results"][1]["title"] == "改好的稿子"


def test_moving_an_article_to_another_section_purges_every_list_page(api, editor, published, relayed):
    first, second = SectionFactory(slug="world"), SectionFactory(slug="china")
    moved = published("要挪的稿子", section=first)
    assert api.get("/api/v1/articles/?section=china").json()["results"] == []

    relayed(
        article_services.article_update,
        article_id=moved.pk,
        by=editor,
        expected_version=moved.version + 1,
        data={"section": second},
    )

    assert "list" in OutboxEvent.objects.filter(type="article.updated").latest("id").keys
    assert [r["id"] for r in api.get("/api/v1/articles/?section=china").json()["results"]] == [moved.pk]


def test_a_title_edit_reaches_cached_pages_searching_words(api, editor, published, relayed):
    article = published("普京抵达巴库")
    assert api.get("/api/v1/articles/?q=德黑兰").json()["results"] == []

    relayed(
        article_services.article_update,
        article_id=article.pk,
        by=editor,
        expected_version=article.version + 1,
        data={"title": "普京抵达德黑兰"},
    )

    assert [r["id"] for r in api.get("/api/v1/articles/?q=德黑兰").json()["results"]] == [article.pk]


def test_a_build_racing_a_change_never_keeps_the_old_bytes(rf):
    """The reader reads the database, then the change commits and bumps its key, then the
    reader stores what it read: the stored answer must not be served."""
    from core import api_cache

    shown = {"title": "旧标题"}

    def build_racing_an_edit():
        read = dict(shown)  # the database read
        shown["title"] = "新标题"  # meanwhile an editor's change commits...
        api_cache.purge(["article-1"])  # ...and its relay bumps the key
        return api_cache.Answer.of(read, ["article-1"])

    def build():
        return api_cache.Answer.of(dict(shown), ["article-1"])

    def read(builder):
        return api_cache.cached_response(rf.get("/api/v1/articles/1/"), builder, keys=["article-1"])

    assert read(build_racing_an_edit).content == '{"title":"旧标题"}'.encode()
    api_cache._Local.forget()  # as another process would be
    assert read(build).content == '{"title":"新标题"}'.encode()
    assert read(build).content == '{"title":"新标题"}'.encode()  # and that one is kept


def test_the_cache_losing_its_sequence_keeps_no_stale_answer(rf, settings):
    """A restarted Redis (or an evicted sequence) starts the sequence above every number it gave."""
    from django.core.cache import cache

    from core import api_cache

    cache.add(api_cache.SEQUENCE, 5, None)  # an old, low sequence
    api_cache.purge(["article-1"])
    before = cache.get(api_cache.GENERATION.format("article-1"))
    cache.delete(api_cache.SEQUENCE)

    api_cache.purge(["article-2"])

    assert cache.get(api_cache.GENERATION.format("article-2")) > before


def test_a_url_enters_the_shared_cache_from_its_second_read(api, settings, django_assert_num_queries):
    """The long tail read once costs one query and no cache round trips; a URL read again is
    cached as before."""
    from django.core.cache import cache

    from core import api_cache
    from tests.articles.factories import ArticleFactory

    settings.API_CACHE_ADMIT_AFTER = 2
    once, twice = ArticleFactory(title="只读一次"), ArticleFactory(title="读了多次")

    api.get(f"/api/v1/articles/{once.pk}/")
    api.get(f"/api/v1/articles/{twice.pk}/")
    api.get(f"/api/v1/articles/{twice.pk}/")

    stored = [api_cache._response_key(rf_get(f"/api/v1/articles/{pk}/")) for pk in (once.pk, twice.pk)]
    assert [cache.get(key) is not None for key in stored] == [False, True]
    with django_assert_num_queries(0):
        assert api.get(f"/api/v1/articles/{twice.pk}/").json()["title"] == "读了多次"


def rf_get(path):
    from django.test import RequestFactory

    return RequestFactory().get(path)


def test_a_purged_cdn_keeps_answers_until_they_change_by_themselves(api, settings, editor, published, relayed):
    """With a CDN that Portal purges, answers tell it to keep them long (Surrogate-Control,
    CDN-Cache-Control), browsers still briefly (Cache-Control); never past a scheduled article's
    second, when the list changes with no edit to purge it."""
    from datetime import timedelta

    from django.utils import timezone

    settings.CDN_MAX_AGE = 86_400
    published("已发布")
    listed = api.get("/api/v1/articles/")
    seconds = int(listed["Surrogate-Control"].removeprefix("max-age="))
    assert 3000 < seconds <= 86_400  # stored documents are rendered anew hourly: the list's own end
    assert listed["CDN-Cache-Control"] == f"public, max-age={seconds}"
    assert "max-age=5" in listed["Cache-Control"]
    settings.CDN_MAX_AGE = 600
    assert api.get("/api/v1/articles/?page_size=5")["Surrogate-Control"] == "max-age=600"

    later = relayed(article_services.article_create, by=editor, title="定时稿件")
    relayed(article_services.article_schedule, article_id=later.pk, by=editor, at=timezone.now() + timedelta(minutes=2))
    for url in ("/api/v1/articles/", "/feeds/rss/"):
        seconds = int(api.get(url)["Surrogate-Control"].removeprefix("max-age="))
        assert 100 <= seconds <= 120, url
    # Read from the shared cache, the same bound.
    assert 100 <= int(api.get("/api/v1/articles/")["Surrogate-Control"].removeprefix("max-age=")) <= 120

    settings.CDN_MAX_AGE = 0
    assert "Surrogate-Control" not in api.get("/api/v1/articles/")


def test_an_unknown_article_answers_a_404_keyed_to_it(api, settings, editor, relayed):
    """A CDN may keep an article's 404 (frontends read addresses early), since publishing the
    article purges its key; other errors carry no keys and are not kept."""
    settings.CDN_MAX_AGE = 86_400
    draft = relayed(article_services.article_create, by=editor, title="尚未发布")
    missing = api.get(f"/api/v1/articles/{draft.pk}/")
    assert missing.status_code == 404 and missing.json()["detail"]
    assert missing["Surrogate-Key"] == f"article-{draft.pk}"
    assert missing["Surrogate-Control"] == "max-age=86400"
    relayed(article_services.article_publish, article_id=draft.pk, by=editor)
    assert f"article-{draft.pk}" in OutboxEvent.objects.order_by("-pk").first().keys
    assert api.get(f"/api/v1/articles/{draft.pk}/").status_code == 200
    bad = api.get("/api/v1/articles/x1/")
    assert bad.status_code == 404 and "Surrogate-Key" not in bad


def test_a_cdn_fetch_is_answered_from_the_shared_cache_not_a_process_memory(api, settings, published):
    """A purged CDN refetches at once; a web process that has not seen the change yet may still
    hold the old answer in memory for API_LOCAL_CACHE_SECONDS, so a fetch marked by a CDN
    (`CDN-Loop`, RFC 8586; deploy/varnish sends it) skips that memory."""
    from core.api_cache import _Local

    settings.API_LOCAL_CACHE_SECONDS = 60
    published("第一篇")
    assert len(api.get("/api/v1/articles/").json()["results"]) == 1
    remembered = {key: _Local.entries.get(key) for key in _Local.entries}
    published("第二篇")
    for key, value in remembered.items():  # as another process that has not seen the change holds it
        _Local.entries.put(key, value)
    assert len(api.get("/api/v1/articles/").json()["results"]) == 1  # a reader at that process
    assert len(api.get("/api/v1/articles/", HTTP_CDN_LOOP="portal-varnish").json()["results"]) == 2


def test_purges_wait_for_process_memory_only_when_the_cdn_does_not_mark_its_fetches(settings):
    settings.API_LOCAL_CACHE_SECONDS = 0.5
    settings.PURGE_WINDOW_SECONDS = 0.3
    for path, settle in (("distribution.purge.Varnish", 0.3), ("distribution.purge.Fastly", 0.6)):
        settings.PURGE_BACKEND = path
        purge._backend.cache_clear()
        assert purge.settle_seconds() == pytest.approx(settle)


def test_a_process_copy_is_never_served_past_its_hard_age_when_the_shared_cache_lost_it(rf, settings, monkeypatch):
    """A restarted Redis lost the answer and the generations that would have said it changed:
    a process may answer from its own copy only while the copy is young, and serving it does not
    make it younger (it did, and a busy process served a pulled story for minutes)."""
    from django.core.cache import cache

    from core import api_cache, memo

    settings.API_LOCAL_CACHE_SECONDS = 0.5
    settings.API_LOCAL_MAX_AGE = 2.0
    now = [1000.0]
    monkeypatch.setattr(memo, "clock", lambda: now[0])
    shown = {"title": "撤稿前的标题"}

    def read() -> bytes:
        return api_cache.cached_response(
            rf.get("/api/v1/articles/7/"), lambda: api_cache.Answer.of(dict(shown), ["article-7"]), keys=["article-7"]
        ).content

    assert read() == '{"title":"撤稿前的标题"}'.encode()
    cache.clear()  # Redis restarted: the answer and every generation are gone...
    shown["title"] = "撤稿后的标题"  # ...and the change it missed is in the database

    seen = []
    for at in (1000.3, 1001.0, 1001.6, 1001.99, 1002.01, 1002.3):
        now[0] = at
        seen.append(read().decode())

    old, new = '{"title":"撤稿前的标题"}', '{"title":"撤稿后的标题"}'
    assert seen == [old, old, old, old, new, new]
