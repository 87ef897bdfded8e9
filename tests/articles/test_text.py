"""Pure text rules: slugs, sanitising, cutting, summaries."""

import pytest

from articles.services import BlockInput, summary_from_blocks
from articles.text import cut, html_to_text, sanitize_inline_html, slug_from_title


def test_chinese_title_becomes_readable_pinyin_slug():
    assert slug_from_title("普京对阿塞拜疆进行国事访问") == "pu-jing-dui-a-sai-bai-jiang-jin-xing-guo-shi-fang-wen"


def test_mixed_title_keeps_latin_words_and_numbers():
    assert slug_from_title("COP29 大会：Ilham Aliyev 讲话") == "cop29-da-hui-ilham-aliyev-jiang-hua"


def test_title_without_letters_gives_empty_slug():
    assert slug_from_title("😀！？") == ""


def test_long_title_slug_is_cut_on_a_word_boundary():
    slug = slug_from_title("中华人民共和国" * 20, max_length=100)

    assert len(slug) <= 100
    assert not slug.endswith("-")
    assert slug.startswith("zhong-hua-ren-min-gong-he-guo")


def test_sanitiser_removes_scripts_handlers_and_javascript_links_keeping_text():
    dirty = (
        '<p onclick="steal()">开头<script>alert(1)</script><a href="javascript:alert(1)">链接</a>'
        '<img src=x onerror=alert(1)><b onmouseover="x()">加粗</b><a href="https://example.cn/">好</a></p>'
    )

    clean = sanitize_inline_html(dirty)

    assert clean == (
        '开头<a rel="noopener noreferrer">链接</a><b>加粗</b>'
        '<a href="https://example.cn/" rel="noopener noreferrer">好</a>'
    )


def test_sanitiser_keeps_the_allowed_inline_tags():
    html = "<strong>a</strong><em>b</em><i>c</i><sub>2</sub><sup>3</sup>d<br>e"

    assert sanitize_inline_html(html) == "<strong>a</strong><em>b</em><i>c</i><sub>2</sub><sup>3</sup>d<br>e"


def test_html_to_text_unescapes_and_folds_space():
    assert html_to_text("a &amp; <b>b</b>\n  c") == "a & b c"


def test_cut_adds_marker_only_when_something_was_cut():
    assert cut("保加利亚宣布提前举行议会选举", 15) == "保加利亚宣布提前举行议会选举"
    assert cut("邹加怡出任亚洲基础设施投资银行行长兼董事会主席", 15) == "邹加怡出任亚洲基础设施投资银行..."


def test_cut_never_splits_an_emoji_sequence_and_trims_punctuation():
    family = "👨\u200d👩\u200d👧"

    assert cut(family * 4, 2) == family * 2 + "..."
    assert cut("今天，我们出发了。再见", 5) == "今天，我们..."
    assert cut("你好，世界和平", 3) == "你好..."


def test_summary_comes_from_paragraphs_only_and_fits_120_characters():
    blocks = [
        BlockInput("heading", "小标题不应出现"),
        BlockInput("quote", "引语不应出现", "某人"),
        BlockInput("paragraph", "<b>第一段</b>正文。" + "甲" * 70),
        BlockInput("paragraph", "第二段正文。" + "乙" * 70),
    ]

    summary = summary_from_blocks(blocks)

    assert summary.startswith("第一段正文。")
    assert "小标题" not in summary and "引语" not in summary
    assert len(summary) == 120
    assert summary.endswith("...")


def test_short_summary_is_not_cut():
    assert summary_from_blocks([BlockInput("paragraph", "一句话。")]) == "一句话。"


def test_a_blocks_label_reads_its_words_not_its_markup():
    from articles.models import Block

    sentence = "当地时间8月18日晚，俄罗斯总统<b>普京</b>抵达<a href='https://x.cn'>巴库</a>。"
    block = Block(type="paragraph", text=sentence * 3)
    label = str(block)

    assert "<" not in label and ">" not in label
    assert label.startswith("段落: 当地时间8月18日晚，俄罗斯总统普京抵达巴库。") and label.endswith("…")


def test_a_cut_fits_its_column_when_characters_are_piles_of_combining_marks():
    from articles.text import cut

    zalgo = "".join(letter + "\u0301\u0336\u034f" * 20 for letter in "abcdefghij" * 3)  # 30 characters

    assert cut(zalgo, 117) == zalgo  # short in characters, so kept whole without a bound
    bounded = cut(zalgo, 117, at_most=300)
    assert len(bounded) <= 300 and bounded.endswith("...")
    assert len(bounded.removesuffix("...")) % 61 == 0  # whole characters only, none split from its marks


@pytest.mark.django_db
def test_a_derived_summary_of_combining_marks_fits_its_column(editor):
    from articles import services
    from articles.models import Article

    zalgo = "".join(letter + "\u0301" * 40 for letter in "lorem ipsum dolor")
    article = services.article_create(by=editor, title="异常文字", body=[{"type": "paragraph", "text": zalgo}])

    stored = Article.objects.get(pk=article.pk).derived_summary
    assert 0 < len(stored) <= Article._meta.get_field("derived_summary").max_length
