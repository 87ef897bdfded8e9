"""Text as the index and the query see it, written once for both.

Normalising: NFKC (full-width letters and digits become half-width), lower case, traditional
to simplified (OpenCC). Runs of CJK characters become overlapping character pairs (bigrams)
plus the run's last character alone, so any substring of two or more characters is a phrase of
consecutive pairs and a single character is a prefix of some token. Other letters and digits
become words, split where letters meet digits (`iPhone17` is `iphone 17`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex

# Han, kana and hangul are written without spaces: pairs. Any other letter or digit: words.
CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
RUN = regex.compile(rf"([{CJK}]+)|([\p{{L}}\p{{N}}--[{CJK}]]+)", regex.V1)
LETTERS_DIGITS = regex.compile(r"\p{N}+|[^\p{N}]+")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """NFKC, lower case, simplified characters; the same length as `text` when every
    character maps to one (nearly always: see `normalize_mapped` for the exceptions)."""
    return _converter().convert(unicodedata.normalize("NFKC", text).lower())


def simplified(text: str) -> str:
    """Traditional characters to simplified only (no NFKC, no case): enough to find words of
    Chinese characters, which NFKC leaves alone."""
    return _converter().convert(text)


_FOLDED: dict[str, str] = {}  # a character's NFKC lower case, once looked up


def normalize_mapped(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` and, for each of its characters, the index of the original character
    it came from: highlights are placed on the text as the editor wrote it."""
    whole = normalize(text)
    if len(whole) == len(text):
        return whole, list(range(len(text)))
    # NFKC changed some lengths (`…` is three dots, `㍿` four characters): map it a character at
    # a time, then convert the characters once (OpenCC keeps lengths for nearly every text).
    parts, origin = [], []
    for index, char in enumerate(text):
        mapped = _FOLDED.get(char)
        if mapped is None:
            mapped = unicodedata.normalize("NFKC", char).lower()
            if len(_FOLDED) < 65536:  # bounded: a text of rare characters only costs time
                _FOLDED[char] = mapped
        parts.append(mapped)
        origin.extend([index] * len(mapped))
    folded = "".join(parts)
    converted = _converter().convert(folded)
    if len(converted) == len(folded):
        return converted, origin
    parts, origin = [], []
    for index, char in enumerate(text):
        mapped = normalize(char)
        parts.append(mapped)
        origin.extend([index] * len(mapped))
    return "".join(parts), origin


@dataclass(frozen=True)
class Run:
    """A stretch of one kind of normalised text: `cjk` (pairs) or words."""

    text: str
    cjk: bool
    start: int  # in the normalised text


# The longest word token, in characters: a longer run of letters (a pasted hash, a 2,500-character
# URL, 3,000 Latin letters) is cut into consecutive pieces of this length, in the index and in
# queries alike, so it is still found, and no token comes near PostgreSQL's 2,047-byte limit
# for one lexeme (60 characters of four bytes each are 240).
MAX_WORD = 60


def _pieces(word: str) -> list[str]:
    if len(word) <= MAX_WORD:
        return [word]
    return [word[i : i + MAX_WORD] for i in range(0, len(word), MAX_WORD)]


def runs(normalized: str) -> list[Run]:
    found = []
    for match in RUN.finditer(normalized):
        if match.group(1):
            found.append(Run(match.group(1), True, match.start()))
        else:
            for part in LETTERS_DIGITS.finditer(match.group(2)):
                start = match.start() + part.start()
                for offset, piece in enumerate(_pieces(part.group())):
                    found.append(Run(piece, False, start + offset * MAX_WORD))
    return found


def pairs(run: str) -> list[str]:
    """`新能源` -> `新能 能源`: the tokens a CJK query is a phrase of (one character: itself)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str, *, normalized: bool = False) -> list[str]:
    """The tokens of `text` in order, as the index stores them."""
    found: list[str] = []
    for run in runs(text if normalized else normalize(text)):
        if run.cjk:
            if len(run.text) > 1:
                found.extend(pairs(run.text))
            found.append(run.text[-1])  # so that every character starts a token
        else:
            found.append(run.text)
    return found


def characters(text: str, *, normalized: bool = False) -> list[str]:
    """Each CJK character of `text` once: a single character typed alone is looked up here on
    PostgreSQL (one entry of an index instead of every pair it begins)."""
    found: dict[str, None] = {}
    for run in runs(text if normalized else normalize(text)):
        if run.cjk:
            found.update(dict.fromkeys(run.text))
    return list(found)


def is_character(token: str) -> bool:
    """One CJK character (what `characters` keeps)."""
    return len(token) == 1 and bool(RUN.fullmatch(token)) and bool(RUN.fullmatch(token).group(1))


def words(text: str, *, normalized: bool = False) -> list[str]:
    """Whole words by the segmenter, longest reading only (`外交部` stays one word, so a search
    for 外交 ranks the article about 外交 above the one that only names the ministry); a match
    on one of these ranks above a match across a word boundary. (Search mode's sub-words made
    every compound count as its parts and cost 4 points of precision at 100,000 articles.)"""
    import rjieba

    found: list[str] = []
    for run in runs(text if normalized else normalize(text)):
        if run.cjk:
            # The segmenter's guesses at unknown words are bounded like any word.
            found.extend(piece for w in rjieba.cut(run.text) if w.strip() for piece in _pieces(w))
        else:
            found.append(run.text)
    return found


def pinyin(text: str, *, normalized: bool = False) -> list[str]:
    """For suggestions while typing: each word of the title in pinyin, spelled out and as its
    initials (`普京` -> `pujing`, `pj`)."""
    import rjieba
    from pypinyin import lazy_pinyin

    found: list[str] = []
    for run in runs(text if normalized else normalize(text)):
        if not run.cjk:
            continue
        # One call a run (pypinyin's cost is mostly per call): a syllable per Han character.
        syllables = lazy_pinyin(run.text, errors=lambda chars: [""] * len(chars))
        if len(syllables) != len(run.text):
            syllables = [(lazy_pinyin(c, errors=lambda chars: [""]) or [""])[0] for c in run.text]
        at = 0
        for word in rjieba.cut(run.text):
            spelled = [s for s in syllables[at : at + len(word)] if s.isascii() and s.isalpha()]
            at += len(word)
            if not spelled:
                continue
            found.append("".join(spelled))
            if len(spelled) > 1:
                found.append("".join(s[0] for s in spelled))
    return found
