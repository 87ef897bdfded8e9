"""`Memo`: this process's bounded memory of recent values, for every per-process cache.

A key never asked for again cannot make it grow: past `size` entries the least recently used
goes. With `seconds`, an entry older than that is a miss (and is dropped). Safe to share
between threads: each operation holds a lock for a few dictionary steps.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

_MISSING = object()
# The clock ages are read from (tests put a fake one here: time-machine leaves monotonic alone).
clock = time.monotonic


class Memo:
    def __init__(self, size: int | Callable[[], int], *, seconds: float | None = None) -> None:
        # A callable size is read at each write, so a setting changed at run time (tests) holds.
        self._size = size if callable(size) else (lambda: size)
        self._seconds = seconds
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        return self.get_with_age(key, (None, default))[1]

    def get_with_age(self, key: Hashable, default: tuple[float | None, Any] = (None, None)) -> tuple[float | None, Any]:
        """(seconds since it was put, value), or `default` for a miss."""
        now = clock()
        with self._lock:
            found = self._entries.get(key, _MISSING)
            if found is _MISSING:
                return default
            age = now - found[0]
            if self._seconds is not None and age >= self._seconds:
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return age, found[1]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = (clock(), value)
            self._entries.move_to_end(key)
            limit = max(1, self._size())
            while len(self._entries) > limit:
                self._entries.popitem(last=False)

    def pop(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            found = self._entries.pop(key, _MISSING)
        return default if found is _MISSING else found[1]

    def drop(self, predicate: Callable[[Any], bool]) -> None:
        """Forget every entry whose value matches."""
        with self._lock:
            for key in [k for k, (_, v) in self._entries.items() if predicate(v)]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __contains__(self, key: Hashable) -> bool:
        return self.get_with_age(key, (None, _MISSING))[1] is not _MISSING

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[Hashable]:
        with self._lock:
            return iter(list(self._entries))
