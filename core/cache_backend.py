"""A Redis cache that degrades to "no cache" when Redis is down, instead of failing requests.

Every use of the cache here is an optimisation (cached pages, throttling counters, version
numbers): a lost cache costs speed, never correctness. So a connection error or a timeout is
logged and answered as a miss, and the site keeps answering from the database.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
INCR_IF_PRESENT = """
if redis.call('exists', KEYS[1]) == 1 then return redis.call('incrby', KEYS[1], ARGV[1]) end
return false
"""


class ReusingRedisCacheClient(RedisCacheClient):
    """Django builds a new ``redis.Redis`` (with its table of response callbacks) for every cache
    operation, which costs more CPU than the round trip itself. A client only wraps its
    connection pool and is thread-safe, so one per pool is kept."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private helpers, which the stubs do not declare.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._clients[index] = client
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def validate_key(self, key: Any) -> None:
        """Django warns about keys memcached would refuse, character by character, on every
        operation; the keys here are Redis keys (hashes and short names), so nothing to check."""

    def _degrade(self, operation: str, default: Any) -> Any:
        logger.warning("cache unavailable during %s: answering without it", operation)
        return default

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        try:
            return super().get(key, default, version)
        except DOWN:
            return self._degrade("get", default)

    def get_many(self, keys: Any, version: Any = None) -> Any:
        try:
            return super().get_many(keys, version)
        except DOWN:
            return self._degrade("get_many", {})

    def set(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except DOWN:
            self._degrade("set", None)

    def add(self, key: Any, value: Any, timeout: Any = None, version: Any = None) -> bool:
        try:
            return bool(super().add(key, value, timeout, version))
        except DOWN:
            return bool(self._degrade("add", False))

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        """Increment a key that exists, in one round trip.

        Django's own ``incr`` asks whether the key exists, then increments it: two round trips,
        and a key that expires between them comes back as ``delta``. The script does both at once.
        """
        validated = self.make_and_validate_key(key, version=version)
        try:
            client = self._cache.get_client(validated, write=True)
            value = client.eval(INCR_IF_PRESENT, 1, validated, delta)
        except DOWN:
            return int(self._degrade("incr", 0))
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(value)

    def delete(self, key: Any, version: Any = None) -> bool:
        try:
            return bool(super().delete(key, version))
        except DOWN:
            return bool(self._degrade("delete", False))
