from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG = "postgres://postgres@127.0.0.1:5432"


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A database of its own on the real PostgreSQL server, migrated, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    name = f"va_faults_{os.getpid()}"
    try:
        admin = psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        if os.environ.get("REQUIRE_CONCURRENCY_TESTS"):
            pytest.fail("the fault tests need PostgreSQL on 127.0.0.1:5432")
        pytest.skip("the fault tests need PostgreSQL on 127.0.0.1:5432")
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        env = {**os.environ, "DATABASE_URL": f"{PG}/{name}"}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        yield name
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
