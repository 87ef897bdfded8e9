"""What a reader typed, understood once for every backend.

- Chinese (and other CJK) runs are phrases of character pairs; a single character is a prefix.
- Other words and numbers match as words; the last one typed is a prefix (still being typed).
- `"quoted text"` is an exact phrase; `-word` leaves out articles with it.
- Everything else (punctuation, emoji, operators of SQL or of the engines: `NEAR * : & | !`)
  is plain text, which here means a separator. A query with nothing left to look for is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex
from django.utils.translation import gettext as _

from core.search import QueryError

from . import text

MAX_LENGTH = 100
_CONTROL = regex.compile(r"[\p{Cc}\p{Cs}]")
_PARTS = regex.compile(r'(-?)"([^"]*)"|(-?)(\S+)')


@dataclass(frozen=True)
class Term:
    """One phrase to find: consecutive index tokens; `prefix` when its last token is a prefix."""

    tokens: tuple[str, ...]
    prefix: bool = False
    needles: tuple[str, ...] = ()  # normalised substrings to highlight
    word: str = ""  # the segmenter's word, when the term is one CJK run (ranks whole words first)


@dataclass(frozen=True)
class Query:
    raw: str
    terms: tuple[Term, ...]
    excluded: tuple[Term, ...] = field(default=())

    @property
    def needles(self) -> list[str]:
        return [n for term in self.terms for n in term.needles]


def _loose(runs: list[text.Run], *, prefix_last: bool) -> list[Term]:
    """One chunk between spaces: each CJK run a term; letters and digits next to each other a
    phrase (`G20` is `g 20`); the chunk's last run is a prefix when it is still being typed."""
    found: list[Term] = []
    latin: list[str] = []

    def close_latin(prefix: bool) -> None:
        if latin:
            found.append(Term(tuple(latin), prefix=prefix, needles=("".join(latin),)))
            latin.clear()

    for run in runs:
        if not run.cjk:
            latin.append(run.text)
            continue
        close_latin(False)
        if len(run.text) == 1:
            found.append(Term((run.text,), prefix=True, needles=(run.text,), word=run.text))
        else:
            found.append(Term(tuple(text.pairs(run.text)), needles=(run.text,), word=run.text))
    close_latin(prefix_last)
    return found


def _exact(runs: list[text.Run]) -> Term | None:
    """A quoted phrase: every run's tokens in a row, as the index lays them out."""
    tokens: list[str] = []
    for index, run in enumerate(runs):
        if run.cjk:
            tokens.extend(text.pairs(run.text))
            if index < len(runs) - 1 and len(run.text) > 1:
                tokens.append(run.text[-1])  # the index's lone last character sits between runs
        else:
            tokens.append(run.text)
    if not tokens:
        return None
    return Term(tuple(tokens), needles=tuple(r.text for r in runs))


def parse(raw: str | None) -> Query:
    if raw is None or not raw.strip():
        raise QueryError(_("Type something to search for."))
    if len(raw) > MAX_LENGTH:
        raise QueryError(_("Search for at most %(most)d characters.") % {"most": MAX_LENGTH})

    if _CONTROL.search(raw.replace("\t", " ").replace("\n", " ")):
        raise QueryError(_("The search contains a control character."))
    normalized = text.normalize(raw.strip())
    parts = list(_PARTS.finditer(normalized))
    terms: list[Term] = []
    excluded: list[Term] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part.group(2) is not None:  # "quoted"
            runs = text.runs(part.group(2))
            term = _exact(runs)
            if term is not None:
                (excluded if part.group(1) else terms).append(term)
            continue
        negate, word = part.group(3), part.group(4)
        runs = text.runs(word)
        if negate and runs:
            excluded.extend(_loose(runs, prefix_last=False))
        else:
            terms.extend(_loose(runs, prefix_last=last))
    # An unbalanced quote was left in a word above and is a separator there: plain text.
    if not terms:
        raise QueryError(_("Nothing to search for: type words, not only punctuation or exclusions."))
    return Query(raw=raw, terms=tuple(terms), excluded=tuple(excluded))
