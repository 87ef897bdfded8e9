"""Cache backends: Django's Redis cache with one client per pool, and a cheaper file cache.

Django's Redis cache, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` object for every cache call; with redis-py 6
that costs more than the round trip itself on a cached API read. A client is
thread-safe and its pool checks the process id after a fork, so one per pool
is enough.
"""

import fcntl
import os
import random

from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def validate_key(self, key) -> None:
        """No memcached portability warnings: Redis takes any key, and checking each character
        of the sixty keys a list page's answer depends on costs more than reading them."""


class FileCache(FileBasedCache):
    """Django's file cache, culling on one write in `CULL_EVERY` instead of on every write.

    Django's version lists the whole cache folder on each `set()` to count entries, which
    costs more than the answer it stores once a few thousand are there; counting now and
    then keeps the folder about as bounded at a fraction of the cost.
    """

    cull_every = 200

    def _cull(self):
        if random.randrange(self.cull_every) == 0:
            super()._cull()

    def incr(self, key, delta=1, version=None):
        """Atomic across processes (Django's reads and writes the file unlocked): the answer
        cache's sequence must never give one number twice."""
        os.makedirs(self._dir, exist_ok=True)
        with open(os.path.join(self._dir, "incr.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return super().incr(key, delta, version)
