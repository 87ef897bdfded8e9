"""Cutting titles and summaries for the rail, like the seed page but right."""

import unicodedata

import regex

_GRAPHEME = regex.compile(r"\X")
_TRAILING = regex.compile(r"[\s\p{P}]+$")


def _width(cluster: str) -> int:
    """Display width of one user-perceived character: East Asian wide and full-width count 2."""
    return 2 if unicodedata.east_asian_width(cluster[0]) in ("W", "F") else 1


def cut(text: str, limit: int, *, marker: str = "...", by_width: bool = False) -> str:
    """The first `limit` characters (or columns with `by_width`), then `marker` only if cut.

    Emoji sequences and letters with combining marks count as one character
    and are never split; trailing spaces and punctuation go before the marker.
    """
    text = " ".join(text.split())
    clusters = _GRAPHEME.findall(text)
    sizes = [_width(c) if by_width else 1 for c in clusters]
    if sum(sizes) <= limit:
        return text
    used, kept = 0, []
    for cluster, size in zip(clusters, sizes, strict=True):
        if used + size > limit:
            break
        kept.append(cluster)
        used += size
    return _TRAILING.sub("", "".join(kept)) + marker
