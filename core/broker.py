"""Celery's Redis transport, publishing through one Redis client per channel.

kombu's Redis channel builds a new ``redis.Redis`` client on its connection pool for every
message it publishes (and every queue operation); building one costs more Python time than the
``LPUSH`` it sends. This channel keeps the client it built for as long as the channel keeps its
pool: kombu drops the pool after a fork or a disconnection, and the next call then builds a new
client on the new pool. A ``redis.Redis`` client is safe to share, and Celery gives each thread
a producer of its own anyway.

Selected by ``CELERY_BROKER_TRANSPORT`` when a Redis broker is configured and the setting
``SHARED_BROKER_CLIENT`` (environment, default on) is; off, kombu's own Redis transport serves.
``SUPPORTED`` is the range of kombu this was checked against (``core.internals``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis as kombu_redis

from core.internals import Supported

SUPPORTED = Supported("kombu", minimum="5.7", below="5.8", setting="SHARED_BROKER_CLIENT")


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
