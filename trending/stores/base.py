"""The store contract: events, tallies, and what every store must do."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

HOUR = 3600


@dataclass(frozen=True)
class Event:
    article_id: int
    kind: str  # view, share, comment
    weight: float
    visitor: str  # already hashed, bounded length
    source: str = ""  # the sending address, hashed; "" for trusted senders (no per-address cap)


@dataclass
class Recorded:
    accepted: int = 0
    duplicates: int = 0
    ineligible: int = 0
    limited: int = 0  # over the per-address cap (TRENDING_VIEWS_PER_ADDRESS)


# {article id: (section id, public from in epoch seconds or None)} for the ids that exist.
Resolver = Callable[[list[int]], dict[int, tuple[int | None, float | None]]]


def database_resolver(ids: list[int]) -> dict[int, tuple[int | None, float | None]]:
    """What the database says of `ids` (see `trending.selectors.public_times`)."""
    from ..selectors import public_times

    return public_times(ids)


class StoreUnavailable(Exception):
    """The store's server does not answer (answered 503 on ingest)."""


def decay_rate() -> float:
    """lambda = ln 2 / half-life, per second."""
    return math.log(2) / settings.TRENDING_HALF_LIFE_SECONDS


class TrendingStore(ABC):
    """Where events are counted. Whether an article may count is the database's word
    (`resolver`, one query per batch at most); a store only remembers answers."""

    resolver: Resolver = staticmethod(database_resolver)

    @abstractmethod
    def record(self, events: list[Event], *, now: float, bots: int = 0, invalid: int = 0) -> Recorded:
        """Count `events` (deduplicated, eligible only); `bots` and `invalid` are only tallied."""

    @abstractmethod
    def stats(self) -> dict[str, int]:
        """Totals of accepted, duplicate, ineligible, bot and invalid events."""

    @abstractmethod
    def eligible_add(self, article_id: int, section_id: int | None) -> None:
        """A hint that `article_id` became public: counting it needs no look-up."""

    @abstractmethod
    def eligible_remove(self, article_id: int) -> None:
        """`article_id` stopped being public: its events no longer count."""

    @abstractmethod
    def eligible_prune(self) -> int:
        """Forget remembered articles the database no longer calls public; returns how many.

        Never adds: an article is only ever added from a fresh look-up or a publication,
        so a prune working from an older read cannot bring back an unpublished one.
        """

    @abstractmethod
    def top(self, kind: str, section_id: int | None, limit: int, *, now: float) -> list[tuple[int, float]]:
        """Best (article id, score) first; decayed scores are given as of `now`."""

    @abstractmethod
    def views_claim(self) -> tuple[int, dict[int, int]]:
        """Views counted since the last release, per article, as a numbered batch.

        The same batch, unchanged, comes back until `views_release` is called with its number,
        so a flush whose database write fails loses nothing and the number names its counts;
        views counted meanwhile wait for the next batch.
        """

    @abstractmethod
    def views_release(self, batch: int) -> None:
        """Forget batch `batch`: its views are in the database."""

    def drain_views(self) -> dict[int, int]:
        """Claim and release at once (tests and tools that do not write the counts anywhere)."""
        batch, counts = self.views_claim()
        self.views_release(batch)
        return counts

    @abstractmethod
    def rebase(self, *, now: float) -> None:
        """Move t0 to `now` so stored numbers stay small (exp overflows after ~700 half-lives)."""

    @abstractmethod
    def prune(self, *, now: float, min_score: float) -> int:
        """Forget articles whose decayed score fell under `min_score`; returns how many."""

    @abstractmethod
    def roll_hours(self, *, now: float) -> None:
        """Drop hourly counts older than 24 hours from the `today` totals."""

    @abstractmethod
    def hourly(self, article_ids: list[int], *, now: float, hours: int = 24) -> dict[int, list[int]]:
        """Each article's views in each of the last `hours` hours, oldest first, this hour last
        (the counts the `today` rail adds up)."""

    @abstractmethod
    def tracked(self) -> int: ...

    @abstractmethod
    def ping(self) -> None: ...
