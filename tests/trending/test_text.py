"""Cutting rail titles and summaries like the seed page, but right."""

from trending.text import cut


def test_fits_are_not_cut_and_get_no_marker():
    assert cut("保加利亚宣布提前举行议会选举", 15) == "保加利亚宣布提前举行议会选举"
    assert cut("也门政府任命新任总理", 15) == "也门政府任命新任总理"


def test_cut_to_15_characters_plus_marker_as_the_seed():
    assert cut("邹加怡出任亚洲基础设施投资银行行长", 15) == "邹加怡出任亚洲基础设施投资银行..."
    assert cut("济南市气象台发布暴雪蓝色预警、道路结冰黄色预警", 15) == "济南市气象台发布暴雪蓝色预警..."


def test_trailing_punctuation_and_spaces_go_before_the_marker():
    assert cut("济南市气象台发布暴雪蓝色预警、道路结冰", 15) == "济南市气象台发布暴雪蓝色预警..."
    assert cut("今年首场寒潮即将上线 降温日历来了", 11) == "今年首场寒潮即将上线..."
    assert cut("国考分数线出炉！面试与调剂", 7) == "国考分数线出炉..."


def test_emoji_sequences_and_combining_marks_count_as_one():
    family = "👨\u200d👩\u200d👧\u200d👦"
    flag = "🇨🇳"
    accented = "e\u0301"

    assert cut(family * 3 + "新闻", 2) == family * 2 + "..."
    assert cut(flag * 20, 15) == flag * 15 + "..."
    assert cut(accented * 20, 3) == accented * 3 + "..."
    assert cut("𠀀𠀁𠀂𠀃", 3) == "𠀀𠀁𠀂..."  # outside the Basic Multilingual Plane


def test_display_width_mode_counts_cjk_as_two():
    assert cut("Portal发布新版本", 10, by_width=True) == "Portal发布..."
    assert cut("ABCDEFGHIJ", 10, by_width=True) == "ABCDEFGHIJ"
    assert cut("新闻新闻新闻", 10, by_width=True) == "新闻新闻新..."


def test_the_marker_is_configurable():
    assert cut("邹加怡出任亚洲基础设施投资银行行长", 5, marker="…") == "邹加怡出任…"


def test_newlines_and_runs_of_space_fold():
    assert cut("第一行\n\n第二行", 50) == "第一行 第二行"
