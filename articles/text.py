"""Pure text helpers: sanitising, plain text, slugs and cutting. No database."""

import html
import re
import unicodedata

import nh3
import regex
from django.utils.text import slugify
from pypinyin import lazy_pinyin

INLINE_TAGS = {"b", "strong", "i", "em", "a", "br", "sub", "sup"}
INLINE_ATTRIBUTES = {"a": {"href"}}
LINK_SCHEMES = {"http", "https"}

_GRAPHEME = regex.compile(r"\X")
_SPACE = re.compile(r"\s+")
# Control characters other than tab and newline never belong in stored text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRAILING = regex.compile(r"[\s\p{P}]+$")


def clean_plain(text: str) -> str:
    """Plain text as stored: NFC, no control characters, trimmed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def sanitize_inline_html(value: str) -> str:
    """Keep only inline formatting and http(s) links; scripts and handlers go, text stays."""
    cleaned = nh3.clean(
        clean_plain(value),
        tags=INLINE_TAGS,
        attributes=INLINE_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return cleaned.strip()


# Where one paragraph ends and the next begins in pasted or edited HTML: the editor's <p>, and the
# blocks Word, WPS and WeChat articles wrap text in. Their text is kept; the boundaries become
# paragraphs, never text run together.
_BLOCK_TAGS = (
    "p div section article header footer aside main nav blockquote pre address figure figcaption "
    "h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody tfoot tr td th caption hr"
).split()
_BLOCK_BOUNDARY = re.compile(r"</?(?:{})\b[^>]*>".format("|".join(_BLOCK_TAGS)), re.IGNORECASE)


_EDGE_SPACE = re.compile(r"^(?:\s|&nbsp;)+|(?:\s|&nbsp;)+$")


def split_paragraphs(value: str) -> list[str]:
    """Rich text as the desk's editor sends it (or as pasted, if its script did not run): one
    sanitised inline-HTML string per paragraph, empty ones dropped.

    Scripts, styles and comments go with their content; every other tag outside the inline
    set goes and keeps its text. A table's cells and a list's items become paragraphs of their
    own, in reading order.
    """
    kept = nh3.clean(
        clean_plain(value),
        tags=INLINE_TAGS | set(_BLOCK_TAGS),
        attributes=INLINE_ATTRIBUTES,
        url_schemes=LINK_SCHEMES,
        link_rel=None,
        strip_comments=True,
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "title"},
    )
    pieces = (_EDGE_SPACE.sub("", sanitize_inline_html(piece)) for piece in _BLOCK_BOUNDARY.split(kept))
    return [piece for piece in pieces if html_to_text(piece)]


def html_to_text(value: str) -> str:
    """The visible text of sanitised inline HTML, whitespace folded: plain text, in which a `<`
    a writer typed is a character (summaries, excerpts, search, webhook payloads)."""
    text = nh3.clean(value, tags=set(), attributes={})
    return _SPACE.sub(" ", html.unescape(text)).strip()


def text_to_html(text: str) -> str:
    """The one way plain text goes into HTML (feed descriptions and bodies, highlights): escaped,
    so `<img onerror=...>` a writer typed as text never becomes markup for a reader."""
    return html.escape(text, quote=True)


def cut(text: str, limit: int, marker: str = "...", *, at_most: int | None = None) -> str:
    """The first `limit` user-perceived characters, then `marker`, only when cut.

    As the seed page prints its rail, the marker comes on top of the limit.
    Never splits an emoji sequence or a letter from its combining marks, and
    trims trailing spaces and punctuation before the marker. `at_most`: the code points the
    result may hold (a column's length), marker included: one user-perceived character can be
    dozens of them (a letter under a pile of combining marks), so fewer are kept then.
    """
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= limit and (at_most is None or len(text) <= at_most):
        return text
    keep = min(limit, len(clusters))
    if at_most is not None:
        room, used, fits = at_most - len(marker), 0, 0
        for cluster in clusters[:keep]:
            if used + len(cluster) > room:
                break
            used, fits = used + len(cluster), fits + 1
        keep = fits
    head = _TRAILING.sub("", "".join(clusters[:keep]))
    return head + marker


def slug_from_title(title: str, max_length: int = 100) -> str:
    """A readable ASCII slug: pinyin for Chinese, words for Latin; may be empty."""
    words = lazy_pinyin(title, errors="default")
    slug = slugify("-".join(words))
    slug = re.sub(r"-{2,}", "-", slug).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] if "-" in slug[:max_length] else slug[:max_length]
    return slug.strip("-")
