"""Chinese search through the public API, on the backend of the database in use (issue 10)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from tests.search.conftest import ids

pytestmark = pytest.mark.django_db

URL = "/api/v1/search/"


def search(api, q, **params):
    return api.get(URL, {"q": q, **params})


def test_every_substring_of_two_or_more_characters_is_found(api, write):
    article = write(
        "普京抵达巴库开始国事访问",
        summary="俄罗斯总统与阿塞拜疆总统会谈",
        body=["两国领导人讨论了新能源合作与里海航运。"],
    )
    write("体育：国足客场战平", body=["比赛在巴林举行。"])

    for q in ["普京", "巴库", "国事访问", "事访", "总统与阿", "新能源", "里海航运", "能源合"]:
        assert ids(search(api, q)) == [article.pk], q


def test_one_character_matches_anywhere_in_a_word(api, write):
    first = write("普京抵达巴库")
    second = write("北京降雪", body=["首都迎来初雪。"])

    assert set(ids(search(api, "京"))) == {first.pk, second.pk}
    assert ids(search(api, "库")) == [first.pk]  # the last character of a run
    assert ids(search(api, "雪")) == [second.pk]


def test_traditional_and_full_width_input_find_simplified_text(api, write):
    article = write("习近平会见外国元首", body=["G20峰会期间，双方讨论了iPhone 17的出口问题。"])

    assert ids(search(api, "習近平")) == [article.pk]
    assert ids(search(api, "Ｇ２０")) == [article.pk]
    assert ids(search(api, "g20峰會")) == [article.pk]


def test_latin_words_match_whole_and_the_last_as_a_prefix(api, write):
    phone = write("苹果发布iPhone 17", body=["新机型 iPhone17 Pro 售价公布。"])
    write("Phones and tablets", body=["A review of phone makers."])

    assert ids(search(api, "iphone 17")) == [phone.pk]
    assert ids(search(api, "iph")) == [phone.pk]  # still being typed
    assert ids(search(api, "iphone17pro")) == [phone.pk]
    assert ids(search(api, "hone")) == []  # words match from their start, not inside


def test_a_quoted_phrase_is_exact_and_a_minus_excludes(api, write):
    together = write("新能源汽车销量创新高")
    apart = write("汽车与新能源", body=["新能源政策利好汽车行业。"])

    assert set(ids(search(api, "新能源 汽车"))) == {together.pk, apart.pk}
    assert ids(search(api, '"新能源汽车"')) == [together.pk]
    assert ids(search(api, "新能源 -销量")) == [apart.pk]
    assert ids(search(api, "新能源 -销")) == [apart.pk]  # a single character left out
    assert ids(search(api, "销 汽")) == [together.pk]  # single characters only


def test_title_ranks_above_summary_above_body_and_whole_words_first(api, write):
    lead = "当地时间周一，多国代表团陆续抵达会场，会议将持续三天，议题涵盖能源、航运与气候。" * 4
    in_body = write("地方新闻", body=[lead, "普京抵达巴库。"])  # past what the derived summary takes
    in_summary = write("国际新闻", summary="普京抵达巴库")
    in_title = write("普京抵达巴库")

    assert ids(search(api, "普京")) == [in_title.pk, in_summary.pk, in_body.pk]

    across = write("他在北京都市区工作")  # 京都 across two words: 北京 / 都市
    whole = write("京都迎来赏枫季")  # 京都 as a word
    assert ids(search(api, "京都")) == [whole.pk, across.pk]


def test_an_editors_boost_lifts_an_evergreen_piece_and_recency_breaks_ties(api, write, editor, relayed):
    older = write("如何申请护照")
    newer = write("如何申请护照")
    assert ids(search(api, "护照")) == [newer.pk, older.pk]

    relayed(
        article_services.article_update,
        article_id=older.pk,
        by=editor,
        expected_version=None,
        data={"search_boost": 3},
    )
    assert ids(search(api, "护照")) == [older.pk, newer.pk]


def test_highlights_mark_the_text_as_written_and_the_body_is_a_short_excerpt(api, write):
    body = "前文" * 100 + "當地時間，普京抵達<巴庫>。" + "後文" * 100
    write("普京抵達巴庫", summary="習近平與普京會談", body=[body])

    (item,) = search(api, "普京 巴库").json()["results"]

    marks = item["highlight"]
    assert marks["title"] == "<mark>普京</mark>抵達<mark>巴庫</mark>"
    assert marks["summary"] == "習近平與<mark>普京</mark>會談"
    assert "<mark>普京</mark>抵達&lt;<mark>巴庫</mark>&gt;" in marks["body"]
    shown = marks["body"].replace("<mark>", "").replace("</mark>", "").replace("&lt;", "<").replace("&gt;", ">")
    assert len(shown.strip("…")) <= 120 and shown.startswith("…") and shown.endswith("…")
    # The item is the list's item, with its contract fields.
    assert {"id", "slug", "title", "summary", "section", "authors", "published_at", "lead_image", "view_count"} <= set(
        item
    )


def test_only_public_articles_and_a_schedule_counts_from_its_second(api, write, editor, relayed, time_machine):
    time_machine.move_to(timezone.now(), tick=False)  # a fake clock: a busy machine cannot race it
    public = write("寒潮来袭")
    write("寒潮预警草稿", publish=False)
    scheduled = write("寒潮明日抵达", publish=False)
    relayed(
        article_services.article_schedule,
        article_id=scheduled.pk,
        by=editor,
        at=timezone.now() + timedelta(seconds=2),
    )
    assert ids(search(api, "寒潮")) == [public.pk]  # and kept in the cache until its second

    # Its second arrives: no edit, no re-indexing, and it is found (the cached answer ended then).
    time_machine.shift(Article.objects.get(pk=scheduled.pk).published_at - timezone.now())
    assert set(ids(search(api, "寒潮"))) == {public.pk, scheduled.pk}


def test_the_index_follows_edits_unpublishing_and_deletion(api, write, editor, relayed):
    article = write("普京抵达巴库")
    relayed(
        article_services.article_update,
        article_id=article.pk,
        by=editor,
        expected_version=None,
        data={"title": "普京抵达德黑兰"},
    )
    assert ids(search(api, "德黑兰")) == [article.pk]
    assert ids(search(api, "巴库")) == []

    relayed(article_services.article_unpublish, article_id=article.pk, by=editor)
    assert ids(search(api, "德黑兰")) == []

    other = write("里海航运复苏")
    relayed(article_services.article_delete, article_id=other.pk, by=editor)
    assert ids(search(api, "里海")) == []


def test_captions_never_reach_search_or_excerpts(api, write, photo_editor):
    from tests.media.factories import make_image

    image = make_image(photo_editor)
    article = write("里海港口", body=["港口复苏。"])
    article_services.article_update(
        article_id=article.pk,
        by=article.created_by,
        expected_version=None,
        data={
            "body": [
                {"type": "paragraph", "text": "港口复苏。"},
                {"type": "image", "text": "码头吊机特写", "image": image},
            ]
        },
    )
    from search import services as search_services

    search_services.index_articles(article_ids=[article.pk])
    assert ids(search(api, "吊机")) == []
    assert "吊机" not in search(api, "港口").json()["results"][0]["highlight"]["body"]


def test_filters_and_pages(api, write):
    from tests.articles.factories import SectionFactory

    world = SectionFactory(slug="world")
    made = [write(f"第{i}篇：寒潮来袭", section=world if i % 2 else None) for i in range(5)]

    assert sorted(ids(search(api, "寒潮", section="world"))) == sorted(a.pk for a in made if a.section_id)
    assert search(api, "寒潮", section="nowhere").status_code == 404  # as the article list answers

    first = search(api, "寒潮", page_size=2).json()
    assert len(first["results"]) == 2 and first["previous"] is None
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    assert third["next"] is None
    seen = [i["id"] for page in (first, second, third) for i in page["results"]]
    assert sorted(seen) == sorted(a.pk for a in made)
    back = api.get(second["previous"]).json()
    assert [i["id"] for i in back["results"]] == [i["id"] for i in first["results"]]


def test_the_article_list_q_uses_the_same_backend_newest_first(api, write):
    older = write("寒潮来袭", body=["北方降温"])
    newer = write("天气", body=["又一轮寒潮"])
    assert ids(api.get("/api/v1/articles/", {"q": "寒潮"})) == [newer.pk, older.pk]
    assert ids(api.get("/api/v1/articles/", {"q": "寒"})) == [newer.pk, older.pk]


def test_editors_search_drafts_too(editor_api, write):
    draft = write("未发布的独家报道", publish=False)
    public = write("已发布的独家报道")

    answer = editor_api.get("/api/v1/editor/articles/", {"q": "独家"})

    assert {i["id"] for i in answer.json()["results"]} == {draft.pk, public.pk}


def test_suggestions_complete_titles_in_characters_and_pinyin(api, write):
    putin = write("普京抵达巴库开始国事访问")
    write("普通话水平测试报名开始")
    write("普京会见外宾草稿", publish=False)

    def suggested(q):
        answer = api.get("/api/v1/search/suggest/", {"q": q})
        assert answer.status_code == 200, answer.content
        return [r["id"] for r in answer.json()["results"]]

    assert suggested("普京") == [putin.pk]
    assert len(suggested("普")) == 2
    for q in ("pujing", "puj", "pj", "PuJing"):
        assert putin.pk in suggested(q), q
    assert api.get("/api/v1/search/suggest/", {"q": "pujing"}).json()["results"][0] == {
        "id": putin.pk,
        "title": putin.title,
        "slug": Article.objects.get(pk=putin.pk).slug,
    }
    for i in range(12):
        write(f"普京新闻{i}")
    assert len(suggested("普京")) == 10


BAD = ["", "   ", "长" * 101, "a\x00b", "!!!", "🙂🙂", "-普京", "* : & | !", "()", "''"]
ODD = [
    '"未闭合',
    "NEAR(普京 巴库)",
    "普京*",
    "普京 OR 1=1; DROP TABLE articles_article; --",
    "a:b",
    "x & y | !z",
    "普京🙂",
    "\\",
    "'普京'",
    "普京 AND",
    "-",
    '"',
    "^$%",
    "％２０",
]


@pytest.mark.parametrize("q", BAD)
def test_queries_with_nothing_to_find_are_400_json(api, q):
    for url in (URL, "/api/v1/search/suggest/"):
        answer = api.get(url, {"q": q})
        assert answer.status_code == 400, (url, q, answer.content)
        assert set(answer.json()) & {"q", "detail"}  # NUL is refused before any view


@pytest.mark.parametrize("q", ODD)
def test_operators_and_odd_text_are_plain_text(api, write, q):
    write("普京抵达巴库")
    for url in (URL, "/api/v1/search/suggest/", "/api/v1/articles/"):
        answer = api.get(url, {"q": q})
        assert answer.status_code in (200, 400), (url, q, answer.content)
        assert answer["Content-Type"].startswith("application/json")


def test_bad_page_sizes_and_cursors_are_400(api, write):
    write("寒潮来袭")
    for params in (
        {"page_size": "0"},
        {"page_size": "51"},
        {"page_size": "²"},
        {"cursor": "%%%"},
        {"cursor": "bz05OTk5"},
    ):
        assert search(api, "寒潮", **params).status_code == 400, params
    assert search(api, "寒潮", page_size="50").status_code == 200
    assert api.get(URL).status_code == 400  # no q at all


@pytest.mark.parametrize("buckets", [False, True])
def test_only_the_newest_window_of_matches_is_ranked(api, write, monkeypatch, buckets):
    """A common word's cost stays bounded: the newest WINDOW matches are ranked, best first.
    On PostgreSQL, `buckets` makes the first pass look in recency buckets of two entries."""
    from search.backends import Backend, get_backend

    monkeypatch.setattr(Backend, "WINDOW", 3)
    if buckets:
        if connection.vendor != "postgresql":
            pytest.skip("recency buckets are PostgreSQL's")
        from search.backends import postgres

        monkeypatch.setattr(postgres, "BUCKET", 2)
        monkeypatch.setattr(type(get_backend()), "RECENT", 4)
        for n in range(3):
            write(f"无关的新闻{n}")
    oldest_best = write("寒潮", summary="寒潮")  # the best match, but older than the window
    lead = "当地时间周一，多国代表团陆续抵达会场，会议将持续三天，议题涵盖能源、航运与气候。" * 4
    body_only = write("天气", body=[lead, "北方将迎寒潮。"])
    title = write("寒潮来袭")
    summary = write("降温", summary="寒潮南下")

    assert ids(search(api, "寒潮")) == [title.pk, summary.pk, body_only.pk]
    assert oldest_best.pk not in ids(search(api, "寒潮"))
    assert ids(api.get("/api/v1/articles/", {"q": "寒潮"}))[-1] == oldest_best.pk  # still found by lists


def test_a_filtered_search_ranks_the_newest_window_of_matches_that_pass_the_filter(api, write, monkeypatch):
    """Unfiltered, drafts count in the window (and never show); with a section, the window is
    counted among that section's matches, so an older match there is still ranked."""
    from articles.models import Section
    from search.backends import Backend

    monkeypatch.setattr(Backend, "WINDOW", 2)
    culture = Section.objects.create(name="文化", slug="culture")
    older = write("敦煌壁画修复完成", section=culture)
    newer = [write(f"敦煌旅游旺季第{i}周") for i in range(2)]
    draft = write("敦煌草稿", publish=False)

    assert draft.pk not in ids(search(api, "敦煌"))
    assert older.pk not in ids(search(api, "敦煌"))  # outside the newest two matches
    assert ids(search(api, "敦煌", section="culture")) == [older.pk]
    assert ids(search(api, "敦煌", section="culture", page_size=1)) == [older.pk]
    assert all(a.pk in ids(search(api, "敦煌", page_size=50)) for a in newer[1:])


def test_a_word_rare_among_the_newest_entries_is_still_found_across_the_archive(api, write, monkeypatch):
    """PostgreSQL looks among the newest entries first; whatever it finds there or not, every
    match and every title completion is still reached (a no-op on SQLite)."""
    from search.backends import get_backend

    monkeypatch.setattr(type(get_backend()), "RECENT", 1, raising=False)
    old = [write(f"丹麦港口第{i}次罢工") for i in range(3)]
    for i in range(3):
        write(f"无关的新闻{i}")

    assert sorted(ids(search(api, "丹麦"))) == sorted(a.pk for a in old)
    suggested = api.get("/api/v1/search/suggest/", {"q": "丹麦"}).json()["results"]
    assert sorted(r["id"] for r in suggested) == sorted(a.pk for a in old)
    assert old[0].pk in [r["id"] for r in api.get("/api/v1/search/suggest/", {"q": "danmai"}).json()["results"]]


def test_postgresql_entries_keep_their_vectors_out_of_line(write):
    """A match's row is visited for its id: on PostgreSQL a long article's vectors go out of
    line entirely (not compressed inline), so a common word's thousands of matches read few
    pages. Short entries stay inline under PostgreSQL's 2 kB toasting threshold."""
    if connection.vendor != "postgresql":
        pytest.skip("the vectors' storage is PostgreSQL's")

    def stored_out_of_line(table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = %s::regclass", [table])
            cursor.execute(f"SELECT count(DISTINCT chunk_id) FROM {cursor.fetchone()[0]}")
            return cursor.fetchone()[0]

    before = {table: stored_out_of_line(table) for table in ("search_doc", "search_entry")}
    # Many distinct characters: the segmenter's words alone take several kilobytes.
    characters = [chr(0x4E00 + i * 7) for i in range(1200)]
    phrases = ["".join(characters[i : i + 6]) for i in range(0, 1200, 6)]
    body = ["，".join(phrases[start : start + 50]) for start in range(0, 200, 50)]
    write("巴库气候大会开幕", summary="各国代表围绕资金展开谈判", body=body)

    assert stored_out_of_line("search_doc") - before["search_doc"] >= 2  # doc and chars
    assert stored_out_of_line("search_entry") - before["search_entry"] >= 2  # words and head at least
