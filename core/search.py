"""Where apps below `search` reach the search backend: the search app registers it in `ready()`.

The article list's `q`, the editor list's `q` and the admin's search box ask `matching(q)` for a
subquery of article ids; they never import the search app (it stands above them).
"""

from __future__ import annotations

from typing import Protocol


class QueryError(ValueError):
    """A query that cannot be searched; its message is the 400's text."""


class Matcher(Protocol):
    def matching(self, raw: str) -> tuple[str, list]:
        """SQL selecting the ids of articles (any status) matching `raw`, and its parameters;
        raises QueryError for a query with nothing to look for."""


_matcher: Matcher | None = None


def register(matcher: Matcher) -> None:
    global _matcher
    _matcher = matcher


def matching(raw: str) -> tuple[str, list]:
    if _matcher is None:
        raise RuntimeError("no search backend is registered (is the search app installed?)")
    return _matcher.matching(raw)
