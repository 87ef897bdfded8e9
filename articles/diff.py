"""Readable differences between two revisions: title, summary and body. No database.

Chinese has no spaces, so a word diff would mark whole sentences; text is cut into
Latin words, runs of spaces and single characters (graphemes) instead, which reads
well in both scripts. The body is first matched block by block; a block that changed
is then compared inside.
"""

from difflib import SequenceMatcher
from typing import Any

import regex
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .text import html_to_text

_TOKEN = regex.compile(r"[\p{Latin}\p{N}_'’-]+|\s+|\X")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def text_diff(old: str, new: str) -> list[dict[str, str]]:
    """Segments `{"op": "equal"|"delete"|"insert", "text"}` turning `old` into `new`."""
    a, b = _tokens(old or ""), _tokens(new or "")
    segments: list[dict[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if segments and segments[-1]["op"] == op:
            segments[-1]["text"] += text
        else:
            segments.append({"op": op, "text": text})

    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("equal", "".join(a[i1:i2]))
        else:
            add("delete", "".join(a[i1:i2]))
            add("insert", "".join(b[j1:j2]))
    return segments


def block_text(block: dict[str, Any]) -> str:
    """What a reader sees of a block, as one line of plain text."""
    kind = block.get("type", "")
    text = block.get("text", "")
    if kind == "paragraph":
        text = html_to_text(text)
    if kind == "image":
        caption = text or block.get("image_caption", "")
        return _("Photo: %(caption)s") % {"caption": caption} if caption else str(_("Photo"))
    if kind == "quote" and block.get("attribution"):
        return f"{text} ——{block['attribution']}"
    return text


def _block_key(block: dict[str, Any]) -> tuple:
    return (block.get("type"), block.get("text"), block.get("attribution", ""), block.get("image"))


def _entry(op: str, block: dict[str, Any]) -> dict[str, Any]:
    return {"op": op, "type": block["type"], "text": block_text(block), "image": block.get("image")}


def body_diff(old: list[dict], new: list[dict]) -> list[dict[str, Any]]:
    """One entry per block: equal, delete, insert, or change (with segments inside it)."""
    entries: list[dict[str, Any]] = []
    matcher = SequenceMatcher(None, [_block_key(b) for b in old], [_block_key(b) for b in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            entries.extend(_entry("equal", b) for b in new[j1:j2])
            continue
        removed, added = old[i1:i2], new[j1:j2]
        # Pair blocks of the same type in order: an edited paragraph reads as a change, not delete+insert.
        while removed and added and removed[0].get("type") == added[0].get("type"):
            before, after = removed.pop(0), added.pop(0)
            entries.append(
                {
                    "op": "change",
                    "type": after["type"],
                    "segments": text_diff(block_text(before), block_text(after)),
                    "image": after.get("image"),
                    "old_image": before.get("image"),
                }
            )
        entries.extend(_entry("delete", b) for b in removed)
        entries.extend(_entry("insert", b) for b in added)
    return entries


def _names(items: list[dict] | None) -> str:
    return "、".join(item.get("name", str(item.get("id"))) for item in items or [])


def _bylines(items: list[dict] | None) -> str:
    return " ".join(f"{item.get('role')}/{item.get('name')}" for item in items or [])


# Other fields are reported as "was → is" lines, named as the admin names them.
_FIELD_TEXT = {
    "slug": lambda d: d.get("slug", ""),
    "section": lambda d: (d.get("section") or {}).get("name", ""),
    "tags": lambda d: _names(d.get("tags")),
    "bylines": lambda d: _bylines(d.get("bylines")),
    "source": lambda d: (d.get("source") or {}).get("name", ""),
    "original_url": lambda d: d.get("original_url", ""),
    "lead_image": lambda d: str(d.get("lead_image") or ""),
    "lead_image_caption": lambda d: d.get("lead_image_caption", ""),
    "related": lambda d: _names(d.get("related")),
    "status": lambda d: d.get("status", ""),
    "published_at": lambda d: d.get("published_at") or "",
}


def revision_diff(old: dict | None, new: dict) -> dict[str, Any]:
    """The change from `old` (None for the first revision) to `new`."""
    old = old or {}
    others = []
    for field, read in _FIELD_TEXT.items():
        before, after = read(old), read(new)
        if before != after:
            others.append({"field": field, "old": before, "new": after})
    return {
        "title": text_diff(old.get("title", ""), new.get("title", "")),
        "summary": text_diff(old.get("summary", ""), new.get("summary", "")),
        "body": body_diff(old.get("body", []), new.get("body", [])),
        "fields": others,
    }


def has_changes(segments: list[dict]) -> bool:
    return any(segment["op"] != "equal" for segment in segments)


def segments_html(segments: list[dict[str, str]]) -> SafeString:
    """`<del>`/`<ins>` markup for the admin; every piece of text is escaped."""
    tags = {"equal": "span", "delete": "del", "insert": "ins"}
    return format_html_join("", "<{0}>{1}</{0}>", ((tags[s["op"]], s["text"]) for s in segments))


def image_ids(entries: list[dict[str, Any]]) -> set[int]:
    """The photos a body diff shows (for their thumbnails)."""
    return {i for entry in entries for i in (entry.get("image"), entry.get("old_image")) if i}


def _thumbnail(image_id: int | None, thumbnails: dict[int, str], state: str = "") -> SafeString:
    if not image_id:
        return mark_safe("")  # noqa: S308 - empty
    url = thumbnails.get(image_id)
    if url is None:  # deleted since: named, not shown
        gone = _("(photo %(id)d, deleted since)") % {"id": image_id}
        return format_html('<span class="diff-photo-gone">{}</span> ', gone)

    return format_html('<img class="diff-photo {}" src="{}" alt="" loading="lazy"> ', state, url)


def body_html(entries: list[dict[str, Any]], thumbnails: dict[int, str] | None = None) -> SafeString:
    """The body diff as a list; image blocks show their photo (`thumbnails`: id to URL), the old
    one struck through beside the new when it was swapped."""
    thumbnails = thumbnails or {}
    rows = []
    for entry in entries:
        op = entry["op"]
        inner = segments_html(entry["segments"]) if op == "change" else format_html("{}", entry["text"])
        if op == "delete":
            inner = format_html("<del>{}</del>", inner)
        elif op == "insert":
            inner = format_html("<ins>{}</ins>", inner)
        if entry["type"] == "image":
            photo = _thumbnail(entry.get("image"), thumbnails, op)
            if op == "change" and entry.get("old_image") != entry.get("image"):
                photo = format_html("{}{}", _thumbnail(entry.get("old_image"), thumbnails, "delete"), photo)
            inner = format_html("{}{}", photo, inner)
        rows.append(format_html('<li class="diff-{}" data-type="{}">{}</li>', op, entry["type"], inner))
    return mark_safe('<ol class="diff-body">' + "".join(rows) + "</ol>")  # noqa: S308 - rows are escaped above
