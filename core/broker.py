"""Celery's Redis transport, publishing through one Redis client per channel.

kombu's Redis channel builds a new ``redis.Redis`` client on its connection pool for every
message it publishes (and every queue operation); building one costs more Python time than the
``LPUSH`` it sends. This channel keeps the client it built for as long as the channel keeps its
pool: kombu drops the pool after a fork or a disconnection, and the next call then builds a new
client on the new pool. A ``redis.Redis`` client is safe to share, and Celery gives each thread
a producer of its own anyway.

Selected by ``CELERY_BROKER_TRANSPORT`` when a Redis broker is configured.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):  # type: ignore[misc]
    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        pool = self.pool
        shared = self._shared_client
        if shared is None or shared.connection_pool is not pool:
            shared = self._shared_client = self._create_client()
        yield shared


class Transport(kombu_redis.Transport):  # type: ignore[misc]
    Channel = Channel
