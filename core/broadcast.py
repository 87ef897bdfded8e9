"""Purges told to every web process at once (Redis pub/sub), so each drops its own copies of
the answers a change reached the moment another process purged them. A message missed (Redis
away, a subscription reconnecting) costs no more than API_LOCAL_CACHE_SECONDS: every copy is
still checked against the shared cache once it is older than that. Without Redis (the embedded
file cache, one machine) nothing is sent and that window alone applies.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class _Subscription:
    """Each web process's subscription to purges made elsewhere (Redis only), so its own copies
    go the moment another process's change is purged, not API_LOCAL_CACHE_SECONDS later. A
    message missed (Redis away, reconnecting) costs no more than that window: every copy is
    still checked against the generations once it is older than it."""

    pid: int | None = None
    lock = threading.Lock()

    @staticmethod
    def _client():
        from django.core.cache import caches

        from .cache import RedisCache

        backend = caches["default"]
        if not isinstance(backend, RedisCache):
            return None  # the embedded file cache: one machine, checked within the window
        return backend._cache.get_client(None, write=True)

    @staticmethod
    def channel() -> str:
        from django.core.cache import caches

        return f"{caches['default'].key_prefix}:api:purged"

    @classmethod
    def announce(cls, names: list[str]) -> None:
        client = cls._client()
        if client is None:
            return
        try:
            client.publish(cls.channel(), " ".join(names))
        except Exception:  # the bump is done; the window covers the rest
            logger.warning("could not announce a purge to the other processes", exc_info=True)

    @classmethod
    def ensure(cls, handler: Callable[[list[str]], None]) -> None:
        """Start this process's subscription once (after a fork, anew)."""
        if cls.pid == os.getpid():
            return
        with cls.lock:
            if cls.pid == os.getpid():
                return
            client = cls._client()
            cls.pid = os.getpid()
            if client is not None:
                threading.Thread(
                    target=cls._listen, args=(client, handler), name="api-cache-purges", daemon=True
                ).start()

    @classmethod
    def _listen(cls, client, handler: Callable[[list[str]], None]) -> None:
        while True:
            try:
                subscription = client.pubsub(ignore_subscribe_messages=True)
                subscription.subscribe(cls.channel())
                while True:
                    message = subscription.get_message(timeout=0.5)
                    if message and message.get("type") == "message":
                        data = message["data"]
                        handler((data.decode() if isinstance(data, bytes) else data).split())
            except Exception:  # Redis away: copies are still checked within the window
                time.sleep(0.5)


def announce(names: list[str]) -> None:
    """Tell the other processes these generations were bumped."""
    _Subscription.announce(names)


def listen(handler: Callable[[list[str]], None]) -> None:
    """Hand every announcement this process hears to `handler` (started once per process)."""
    _Subscription.ensure(handler)


def channel() -> str:
    return _Subscription.channel()


def resubscribe() -> None:
    """Subscribe anew at the next `listen` (tests that switch the cache to another Redis)."""
    _Subscription.pid = None
