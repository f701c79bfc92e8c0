from __future__ import annotations

import os
from collections.abc import Callable
from threading import Thread
from typing import Any

import pytest
from django.db import connection, connections


@pytest.fixture(autouse=True)
def _postgresql_only(db: Any) -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_CONCURRENCY_TESTS"):
            pytest.fail("REQUIRE_CONCURRENCY_TESTS is set but the database is not PostgreSQL")
        pytest.skip("concurrency tests need PostgreSQL (row locks); set DATABASE_URL to run them")


def run_in_threads(targets: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in its own thread with its own connection; return results or errors."""
    results: list[Any] = [None] * len(targets)

    def runner(index: int, target: Callable[[], Any]) -> None:
        try:
            results[index] = target()
        except Exception as exc:  # collected and asserted by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
