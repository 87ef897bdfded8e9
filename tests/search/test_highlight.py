"""Excerpts of long bodies: the first match is marked on the text as written, even when
characters before it change length in the normalised copy (`…` becomes three dots)."""

import pytest

from search import highlight


@pytest.mark.parametrize("ellipses", [0, 3, 40, 400])
def test_the_excerpt_marks_the_first_match_where_it_was_written(ellipses):
    before = "他说…" * ellipses + "经济工作会议在北京举行。" * 30
    body = before + "新能源汽车产量创新高。" + "后文。" * 100
    shown = highlight.excerpt(body, ["新能源"])
    assert "<mark>新能源</mark>汽车产量" in shown
    assert len(shown.replace("<mark>", "").replace("</mark>", "").strip("…")) <= 120


def test_full_width_and_traditional_text_is_marked_as_written():
    body = "前文。" * 80 + "ＡＰＥＣ會議在利馬舉行" + "後文。" * 80
    shown = highlight.excerpt(body, ["apec会议"])
    assert "<mark>ＡＰＥＣ會議</mark>在利馬" in shown


def test_no_match_gives_the_start_of_the_body():
    body = "开头的句子。" * 50
    assert highlight.excerpt(body, ["不存在"]).startswith("开头的句子")


def test_a_simplified_word_is_marked_in_traditional_text_after_full_width_punctuation():
    body = "前文，（注）：" * 40 + "國家主席習近平出席會議" + "後文。" * 80
    shown = highlight.excerpt(body, ["习近平"])
    assert "<mark>習近平</mark>出席" in shown
