"""Purging shared caches (a CDN) by surrogate key; the backend is chosen by `PURGE_BACKEND`."""

from abc import ABC, abstractmethod
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string


class PurgeBackend(ABC):
    """Receives the surrogate keys of each committed change (`article-42 list section-3`)."""

    @abstractmethod
    def purge(self, keys: list[str]) -> None: ...


class NoPurge(PurgeBackend):
    """No CDN in front: nothing to purge. Records what it was given, for tests and the shell."""

    def __init__(self) -> None:
        self.purged: list[list[str]] = []

    def purge(self, keys: list[str]) -> None:
        self.purged = [*self.purged[-99:], list(keys)]


@lru_cache(maxsize=4)
def _backend(path: str) -> PurgeBackend:
    return import_string(path)()


def backend() -> PurgeBackend:
    return _backend(settings.PURGE_BACKEND)


def purge_consumer(event) -> None:
    """Outbox consumer: every event's keys go to the purge backend."""
    if event.keys:
        backend().purge(list(event.keys))
