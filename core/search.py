"""Where apps below `search` reach the search backend: the search app registers it in `ready()`.

The public article list's `q` asks `matching(q)` for a subquery of article ids; the desk (the
admin's search box, the editor list's `q`) asks `newest(q, limit)` for the newest matches. They
never import the search app (it stands above them).
"""

from __future__ import annotations

from typing import Protocol


class QueryError(ValueError):
    """A query that cannot be searched; its message is the 400's text."""


class Matcher(Protocol):
    def matching(self, raw: str) -> tuple[str, list]:
        """SQL selecting the ids of articles (any status) matching `raw`, and its parameters;
        raises QueryError for a query with nothing to look for."""

    def newest(self, raw: str, limit: int) -> list[int]:
        """The ids of the newest `limit` articles (any status) matching `raw`, newest first;
        raises QueryError as `matching` does."""


_matcher: Matcher | None = None


def register(matcher: Matcher) -> None:
    global _matcher
    _matcher = matcher


def _registered() -> Matcher:
    if _matcher is None:
        raise RuntimeError("no search backend is registered (is the search app installed?)")
    return _matcher


def matching(raw: str) -> tuple[str, list]:
    return _registered().matching(raw)


def newest(raw: str, limit: int) -> list[int]:
    """The desk's search (the admin's box, the editor API's `q`): the newest `limit` matches,
    which a desk sorts and filters further; bounded however large the archive."""
    return _registered().newest(raw, limit)
