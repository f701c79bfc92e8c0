from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import TestCase
from rest_framework.test import APIClient

from core.logging import JsonFormatter, RequestContextFilter
from tests.factories import StaffFactory
from tests.fakes.stripe_server import stripe_fake  # noqa: F401  (fixture, used by several apps)


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


class CommittingAPIClient(APIClient):
    """Runs the on-commit callbacks of each request, as a real commit would (e-mails, signals).

    Tests run inside a transaction that is rolled back, so without this the after-commit side
    effects of a request would never fire.
    """

    def request(self, *args: Any, **kwargs: Any) -> Any:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(*args, **kwargs)


@pytest.fixture
def api() -> APIClient:
    return CommittingAPIClient()


@pytest.fixture
def staff(db: Any) -> Any:
    return StaffFactory(username="office")


@pytest.fixture
def staff_api(staff: Any) -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(staff)
    return client


def assert_problem(
    response: Any, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    """Assert an RFC 9457 answer with this status, and an error row with this code and field."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["title"] and body["type"]
    rows = [(row["field"], row["code"]) for row in body["errors"]]
    if code == "validation_error":
        assert body["code"] == "validation_error"
        if field is not None:
            assert any(f == field for f, _c in rows), rows
    else:
        assert (field, code) in rows or any(c == code for _f, c in rows), rows
        if field is not None:
            assert (field, code) in rows, rows
    return body


def empty_local_redis(location: str) -> None:
    """Empty this database of the local Redis, or skip the test when Redis is not running (fail
    instead where the concurrency tests must run, as in CI)."""
    import os

    import redis

    try:
        redis.Redis.from_url(location, socket_connect_timeout=0.5).flushdb()
    except redis.exceptions.ConnectionError:
        if os.environ.get("REQUIRE_CONCURRENCY_TESTS"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


@pytest.fixture(autouse=True)
def _no_public_holidays(settings: Any) -> None:
    """Tests pick their dates relative to today; a public holiday falling on one of them must not
    change what they see. tests/itineraries/test_closures.py turns the rule on where it tests it."""
    settings.CLOSED_ON_PUBLIC_HOLIDAYS = False


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Every log record of the test, formatted as production writes it (JSON, redacted)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)
