"""`<mark>` around what matched, placed on the text as it was written (not the normalised copy)."""

from __future__ import annotations

import re

from articles.text import text_to_html

from . import text

EXCERPT = 120  # characters of body around the first match, at most
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]+")  # CJK unified ideographs (and extension A)


def spans(original: str, needles: list[str]) -> tuple[list[tuple[int, int]], list[int]]:
    """Where the needles occur in `original` (start, end; merged, in order), and the map from
    the normalised text back to the original."""
    normalized, origin = text.normalize_mapped(original)
    found: list[tuple[int, int]] = []
    for needle in needles:
        if not needle:
            continue
        start = normalized.find(needle)
        while start != -1:
            end = start + len(needle)
            found.append((origin[start], origin[end - 1] + 1))
            start = normalized.find(needle, end)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged, origin


def _marked(original: str, found: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    end = len(original) if end is None else end
    out, at = [], start
    for s, e in found:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(text_to_html(original[at:s]))
        out.append(f"<mark>{text_to_html(original[s:e])}</mark>")
        at = e
    out.append(text_to_html(original[at:end]))
    return "".join(out)


def field(original: str, needles: list[str]) -> str:
    """The whole field, escaped, with matches marked."""
    return _marked(original, spans(original, needles)[0])


def _near_first(original: str, needles: list[str], margin: int) -> list[tuple[int, int]]:
    """`spans` of the stretch of a long body around its first match: mapping a body back from
    its normalised copy goes a character at a time once any character changes length (a Chinese
    ellipsis does), and an excerpt only shows the first match's surroundings. The first match
    is found in one normalised copy of the whole body (line by line when lengths drift far)."""
    margin += max((len(n) for n in needles), default=0)
    # One normalised copy of the whole body. Needles of Chinese characters only are found in
    # a copy converted to simplified characters alone: NFKC leaves those characters as they
    # are, and on a long body it costs ten times the conversion.
    chinese = all(_HAN.fullmatch(n) for n in needles if n)
    whole = text.simplified(original) if chinese else text.normalize(original)
    # Characters that change length (`…` becomes three dots) shift positions by at most the
    # difference in length: the first match lies within that much of where the copy has it.
    drift = abs(len(whole) - len(original))
    if drift <= 4 * margin:
        firsts = [at for at in (whole.find(n) for n in needles if n) if at != -1]
        if not firsts:
            return []
        start = max(0, min(firsts) - drift - margin)
        found, _ = spans(original[start : min(firsts) + drift + margin], needles)
        return [(s + start, e + start) for s, e in found]
    at = 0
    for line in original.split("\n"):
        normalized = text.normalize(line)
        if any(n and n in normalized for n in needles):
            start = max(0, at - margin)
            found, _ = spans(original[start : at + len(line) + margin], needles)
            return [(s + start, e + start) for s, e in found]
        at += len(line) + 1
    return []


def excerpt(original: str, needles: list[str], limit: int = EXCERPT) -> str:
    """At most `limit` characters of `original` around its first match (its start when none
    matched), escaped, with matches marked and "…" where it was cut."""
    if len(original) <= limit:
        return _marked(original, spans(original, needles)[0])
    found = _near_first(original, needles, limit)
    first = found[0][0] if found else 0
    start = max(0, min(first - limit // 4, len(original) - limit))
    end = start + limit
    return ("…" if start else "") + _marked(original, found, start, end) + ("…" if end < len(original) else "")
