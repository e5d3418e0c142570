"""Django's Redis cache with one connection pool (and one client) per process.

Django keeps cache backends per thread (an asgiref Local). Under ASGI each request runs its sync code
in a fresh thread, so the stock RedisCache built a new connection pool — and opened a new TCP
connection to Redis — for every request, and a new `redis.Redis` client for every cache call. Measured
on the scan endpoint: about a fifth of its server time went to connecting to Redis. redis-py pools and
clients are thread-safe, so sharing them per process is what redis-py intends.
"""

from __future__ import annotations

import threading

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

_lock = threading.Lock()
_clients: dict[tuple, object] = {}


class SharedRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        identity = (self._servers[index], tuple(sorted((k, repr(v)) for k, v in self._pool_options.items())))
        client = _clients.get(identity)
        if client is None:
            with _lock:
                client = _clients.get(identity)
                if client is None:
                    pool = self._pool_class.from_url(self._servers[index], **self._pool_options)
                    client = _clients[identity] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    def redis(self, write: bool = True):
        """The process-wide redis-py client, for what the cache API cannot say in one round trip."""
        return self._cache.get_client(write=write)
