"""What every purge backend is: it receives the keys (or URLs) of committed changes, at most
`batch_size` at a time, and raises PurgeFailed to have them sent again later."""

from abc import ABC, abstractmethod


class PurgeFailed(Exception):
    """The CDN refused or did not answer; `retry_after` seconds when it said (429, 503)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PurgeBackend(ABC):
    """Receives the surrogate keys of committed changes (`article-42 list section-3`), at most
    `batch_size` at a time; raises PurgeFailed to have them sent again later."""

    batch_size = 256
    queued = True  # False: called at once in the relay (nothing leaves the process)
    marks_fetches = False  # the CDN sends `CDN-Loop` (RFC 8586) with every fetch from Portal

    @abstractmethod
    def purge(self, keys: list[str]) -> None: ...

    def calls_allowed(self) -> int | None:
        """How many calls may be made now (a rate limit), or None for no limit."""
        return None

    def expand(self, event) -> list[str]:
        """What to queue for an event: its surrogate keys; a backend that purges by URL names
        the URLs instead (`distribution.purge.urls`)."""
        return list(event.keys)

    def unlisted_max_age(self, path: str, query: dict[str, list[str]]) -> int | None:
        """The longest a shared cache may keep an answer this backend cannot purge (None: it
        can purge every answer, as purging by key does)."""
        return None


class NoPurge(PurgeBackend):
    """No CDN in front: nothing to purge. Records what it was given, for tests and the shell."""

    queued = False

    def __init__(self) -> None:
        self.purged: list[list[str]] = []

    def purge(self, keys: list[str]) -> None:
        self.purged = [*self.purged[-99:], list(keys)]
