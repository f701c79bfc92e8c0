"""The Celery transport: kombu's Redis transport, one Redis client per channel's pool."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from kombu import Connection

from tests.conftest import empty_local_redis

LOCATION = "redis://127.0.0.1:6379/10"  # a database of its own, emptied


@pytest.fixture
def connection() -> Iterator[Connection]:
    empty_local_redis(LOCATION)
    with Connection(LOCATION, transport="core.broker:Transport") as conn:
        yield conn
    empty_local_redis(LOCATION)


def test_messages_go_through_one_client_until_the_pool_is_dropped(
    connection: Connection,
) -> None:
    queue = connection.SimpleQueue("broker-test")
    channel = queue.channel
    queue.put({"n": 1})
    client = channel._shared_client
    assert client is not None and client.connection_pool is channel.pool
    queue.put({"n": 2})
    assert channel._shared_client is client
    assert queue.qsize() == 2

    channel._after_fork()  # what kombu does in a forked child: the pool is dropped
    queue.put({"n": 3})
    assert channel._shared_client is not client
    assert channel._shared_client.connection_pool is channel.pool

    got = [queue.get(timeout=1) for _ in range(3)]
    assert sorted(message.payload["n"] for message in got) == [1, 2, 3]
    for message in got:
        message.ack()
    queue.close()


@pytest.mark.parametrize(
    ("transport", "module"),
    [("core.broker:Transport", "core.broker"), ("redis", "kombu.transport.redis")],
    ids=["shared-client", "kombu"],
)
def test_a_task_published_by_celery_lands_in_its_queue(
    connection: Connection, transport: str, module: str
) -> None:
    # The second is the plain path that SHARED_BROKER_CLIENT=0 selects.
    app = Celery("broker-test", broker=LOCATION, set_as_current=False)
    app.conf.broker_transport = transport

    @app.task(name="broker_test.add")
    def add(a: int, b: int) -> int:
        return a + b

    for n in range(3):
        add.apply_async(args=(n, 1), queue="broker-test-tasks")
    with app.connection_for_write() as conn:
        assert type(conn.default_channel).__module__ == module
        queue = conn.SimpleQueue("broker-test-tasks")
        bodies: list[Any] = []
        for _ in range(3):
            message = queue.get(timeout=1)
            bodies.append(message.decode()[0])  # protocol 2: (args, kwargs, embed)
            message.ack()
        queue.close()
    assert sorted(tuple(args) for args in bodies) == [(0, 1), (1, 1), (2, 1)]


@pytest.mark.parametrize(
    ("switch", "expected"), [("1", "core.broker:Transport"), ("0", None)], ids=["on", "off"]
)
def test_the_setting_selects_the_transport(switch: str, expected: str | None) -> None:
    # Settings are read once per process: a fresh one reads them from this environment.
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/10", "SHARED_BROKER_CLIENT": switch}
    env.pop("DATABASE_URL", None)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(getattr(settings, 'CELERY_BROKER_TRANSPORT', None))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "backend.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == str(expected)
