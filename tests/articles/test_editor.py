"""The paragraph editor of the article desk: what it offers is what the sanitiser keeps, pastes
become clean paragraphs, nothing typed is lost, and read-only pages show formatting, not tags."""

import re

import pytest
from django_prose_editor.config import allowlist_from_extensions

from articles import services
from articles.admin.forms import PARAGRAPH_EDITOR
from articles.models import Article, Block
from articles.text import INLINE_ATTRIBUTES, INLINE_TAGS, LINK_SCHEMES, split_paragraphs
from tests.media.factories import make_image

from .test_admin import ADD_URL, _client, _form
from .test_admin_workflow import _page_form, change_url

pytestmark = pytest.mark.django_db

WORD = (
    '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{mso-style:x}</style>'
    "</head><body><!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]-->"
    '<p class="MsoNormal" style="mso-margin-top-alt:auto"><b><span lang="ZH-CN" style="font-family:宋体">'
    "普京</span></b><span>抵达巴库。<o:p></o:p></span></p>"
    '<p class="MsoNormal"><span style="color:red">第二段</span><o:p>&nbsp;</o:p></p></body></html>'
)
WPS = (
    '<meta charset="utf-8"><p style="margin:0pt" data-wps="x"><span style="mso-spacerun:yes">'
    '<font face="微软雅黑">阿利耶夫</font></span><a href="https://example.cn/a" target="_blank" '
    'style="color:blue" onclick="steal()">表示</a></p><p><br></p>'
)
WECHAT = (
    '<section style="margin:0"><section data-role="paragraph"><p style="text-align:justify">'
    '<span style="font-size:15px"><strong>据报道</strong>，两国元首举行会谈。</span></p></section>'
    '<section><img data-src="https://mmbiz.qpic.cn/x.jpg" src="https://mmbiz.qpic.cn/x.jpg"></section>'
    '<p><span>（完）</span></p><mp-style-type data-value="3"></mp-style-type></section>'
)


def test_the_editor_offers_exactly_what_the_sanitiser_keeps():
    allowed = allowlist_from_extensions(PARAGRAPH_EDITOR)

    # The editor writes <strong>/<em>; the sanitiser also keeps <b>/<i> that API clients send.
    assert allowed["tags"] - {"p"} == INLINE_TAGS - {"b", "i"}
    assert set(allowed["url_schemes"]) == LINK_SCHEMES
    assert INLINE_ATTRIBUTES["a"] <= set(allowed["attributes"]["a"]) and "target" not in allowed["attributes"]["a"]


@pytest.mark.parametrize(
    ("pasted", "expected"),
    [
        (WORD, ["<b>普京</b>抵达巴库。", "第二段"]),
        (WPS, ['阿利耶夫<a href="https://example.cn/a" rel="noopener noreferrer">表示</a>']),
        (WECHAT, ["<strong>据报道</strong>，两国元首举行会谈。", "（完）"]),
        ('<p>a</p><script>alert(1)</script><style>p{}</style><iframe src="x">b</iframe>', ["a"]),
        (
            '<a href="javascript:alert(1)">点</a> <a href="data:text/html,x">我</a>',
            ['<a rel="noopener noreferrer">点</a> <a rel="noopener noreferrer">我</a>'],
        ),
        ("<table><tr><td>甲<table><tr><td>乙</td></tr></table></td><td>丙</td></tr></table>", ["甲", "乙", "丙"]),
        ("<ul><li>一</li><li>二<ol><li>三</li></ol></li></ul>", ["一", "二", "三"]),
        ("emoji 😀👨‍👩‍👧 and 𠮷 astral", ["emoji 😀👨‍👩‍👧 and 𠮷 astral"]),
        ("\u200f\u202bمرحبا\u202c 你好", ["\u200f\u202bمرحبا\u202c 你好"]),
        ("<p></p><p> </p><br>", []),
    ],
)
def test_pastes_become_clean_paragraphs_and_keep_their_text(pasted, expected):
    assert split_paragraphs(pasted) == expected


def test_a_paste_of_several_paragraphs_becomes_that_many_blocks_in_place(editor):
    article = services.article_create(
        by=editor,
        title="分段",
        body=[services.BlockInput(type="heading", text="开头"), services.BlockInput(type="paragraph", text="结尾")],
    )
    client = _client(editor)
    data = _page_form(client, article)
    data["blocks-0-html"] = ""
    data["blocks-1-html"] = WORD  # the editor's paste replaced the second block's text

    response = client.post(change_url(article), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(b.type, b.text) for b in Article.objects.get(pk=article.pk).blocks.order_by("position")] == [
        ("heading", "开头"),
        ("paragraph", "<b>普京</b>抵达巴库。"),
        ("paragraph", "第二段"),
    ]


def test_a_long_paragraph_is_kept_and_one_too_long_is_refused_with_the_text_still_there(editor):
    client = _client(editor)
    fine = "长" * 10_000
    data = _form(client, title="长段落", **{"blocks-TOTAL_FORMS": "1", "blocks-0-type": "paragraph"})
    data["blocks-0-html"] = f"<p>{fine}</p>"

    assert client.post(ADD_URL, data).status_code == 302
    assert Block.objects.get().text == fine

    too_long = "长" * 20_001
    data = _form(client, title="太长", **{"blocks-TOTAL_FORMS": "1", "blocks-0-type": "paragraph"})
    data["blocks-0-html"] = f"<p>{too_long}</p>"
    response = client.post(ADD_URL, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "第 1 块有 20001 个字符" in page and too_long in page  # the reason, and the text to split
    assert Article.objects.filter(title="太长").count() == 0


def test_a_block_switched_to_another_type_keeps_what_was_typed(editor):
    client = _client(editor)
    data = _form(client, title="换类型", **{"blocks-TOTAL_FORMS": "2"})
    data.update({"blocks-0-type": "heading", "blocks-0-html": "<p><strong>小标题</strong></p>", "blocks-0-text": ""})
    data.update({"blocks-1-type": "paragraph", "blocks-1-html": "<p></p>", "blocks-1-text": "原来是引文"})

    assert client.post(ADD_URL, data).status_code == 302

    assert [(b.type, b.text) for b in Block.objects.order_by("position")] == [
        ("heading", "小标题"),
        ("paragraph", "原来是引文"),
    ]


def test_the_change_page_gives_each_block_its_fields_and_the_editor_its_assets(editor, media_root):
    photo = make_image(editor)
    article = services.article_create(
        by=editor,
        title="四种块",
        body=[
            services.BlockInput(type="paragraph", text="<b>粗</b>体"),
            services.BlockInput(type="heading", text="小标题"),
            services.BlockInput(type="quote", text="引文", attribution="某人"),
            services.BlockInput(type="image", text="图注", image=photo),
        ],
    )

    page = _client(editor).get(change_url(article)).content.decode()

    assert "data-django-prose-editor-configurable" in page
    # The paragraph's HTML goes to its editor; the text box of a paragraph row is empty.
    assert re.search(r'name="blocks-0-html"[^>]*>\s*&lt;b&gt;粗&lt;/b&gt;体</textarea>', page)
    assert re.search(r'name="blocks-0-text"[^>]*>\s*</textarea>', page)
    assert re.search(r'name="blocks-1-text"[^>]*>\s*小标题</textarea>', page)
    assert "articles/admin/blocks.js" in page and "django_prose_editor/editor" in page
    assert "cdn" not in re.sub(r"https?://[^\"']*mmbiz[^\"']*", "", page.lower().split("<body")[0])  # offline


def test_a_reader_of_the_page_sees_formatting_not_tags(editor, writer):
    article = services.article_create(
        by=writer, title="只读", body=[services.BlockInput(type="paragraph", text="<b>粗</b>体")]
    )
    services.article_submit(article_id=article.pk, by=writer)

    page = _client(writer).get(change_url(article)).content.decode()  # a writer reads a submitted article

    assert "<b>粗</b>体" in page and "&lt;b&gt;" not in page
    assert "data-django-prose-editor" not in page
