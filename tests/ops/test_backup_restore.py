"""Backups: the pg_dump and pg_restore commands of docs/operations.md, performed for real.

A scratch database is migrated and filled through the app (demo catalogue, guides and their
assignments, bookings, a payment, an issued invoice with its PDF). It is dumped with the
documented command, dropped, created again and restored with the documented commands; then every
table must hold the same rows, the schema must be the same, nothing must be left to migrate, and
the app must carry on where it stopped (ids and invoice numbers continue, no reuse).
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "operations.md"
HOST, PORT, USER = "127.0.0.1", "5432", "postgres"
PG = f"postgres://{USER}@{HOST}:{PORT}"
# How docs/operations.md runs the client programs: inside the db container, as this role.
DOCUMENTED_PREFIX = "docker compose exec -T db "
DOCUMENTED_USER = "voyages"
# A table's row count, and an md5 of all its rows as text in a stable order.
FINGERPRINT = (
    "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
    ' FROM public."{table}" t'
)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    """As in tests/concurrency: skip on SQLite, or fail if REQUIRE_CONCURRENCY_TESTS is set."""
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_CONCURRENCY_TESTS"):
            pytest.fail("REQUIRE_CONCURRENCY_TESTS is set but the database is not PostgreSQL")
        pytest.skip("the backup test needs PostgreSQL; set DATABASE_URL to run it")
    missing = [name for name in ("pg_dump", "pg_restore", "createdb") if not shutil.which(name)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not on PATH: install postgresql-client")


@pytest.fixture
def scratch_database() -> Iterator[str]:
    """A database of its own on the real server, migrated, always dropped afterwards."""
    name = f"va_ops_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=3) as admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            _manage(name, "migrate", "-v0")
            yield name
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _app_env(database: str) -> dict[str, str]:
    """The app on that database, without Redis: Celery runs eagerly, e-mails stay in memory."""
    env = {**os.environ, "DATABASE_URL": f"{PG}/{database}", "EMAIL_URL": "memorymail://"}
    env.pop("REDIS_URL", None)
    return env


def _run(argv: list[str], database: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603
        argv,
        cwd=ROOT,
        env=_app_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kwargs,
    )
    assert result.returncode == 0, f"{shlex.join(argv)}\n{result.stdout}\n{result.stderr}"
    return result


def _manage(database: str, *args: str) -> str:
    return _run([sys.executable, "manage.py", *args], database).stdout


def _app_step(database: str, *args: str) -> dict[str, Any]:
    output = _run([sys.executable, "-m", "tests.ops.app_steps", *args], database).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def _documented(program: str) -> list[str]:
    """The argv of the command of docs/operations.md that runs ``program`` on a database.

    The test runs what the document says, not a copy of it: if the document changes, so does the
    test. Output and input redirections are left out (the test passes files instead). The
    document may repeat the command (in the backup script), but never with other arguments.
    """
    found = set()
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line.startswith(f"{DOCUMENTED_PREFIX}{program} "):
            continue
        argv = shlex.split(line[len(DOCUMENTED_PREFIX) :])
        for redirection in (">", "<"):
            if redirection in argv:
                argv = argv[: argv.index(redirection)]
        if program == "createdb" or any(arg.startswith("--dbname=") for arg in argv):
            found.add(tuple(argv))
    assert len(found) == 1, f"expected one documented '{program}' command, found {found}"
    return list(found.pop())


def _on(argv: list[str], database: str) -> list[str]:
    """A documented command pointed at this server's role and at the scratch database."""
    pointed = []
    for arg in argv:
        if arg == f"--username={DOCUMENTED_USER}":
            arg = f"--username={USER}"
        elif arg.startswith("--dbname="):
            arg = f"--dbname={database}"
        pointed.append(arg)
    if pointed[0] == "createdb":  # its one positional argument is the new database's name
        positional = [i for i, arg in enumerate(pointed) if i and not arg.startswith("-")]
        assert len(positional) == 1, argv
        pointed[positional[0]] = database
    return pointed


def _client(argv: list[str], **kwargs: Any) -> None:
    """A PostgreSQL client program; PGHOST and PGPORT stand for the container's local socket."""
    env = {**os.environ, "PGHOST": HOST, "PGPORT": PORT}
    result = subprocess.run(  # noqa: S603
        argv, env=env, stderr=subprocess.PIPE, timeout=120, check=False, **kwargs
    )
    assert result.returncode == 0, f"{shlex.join(argv)}\n{result.stderr.decode()}"


def _snapshot(database: str) -> dict[str, Any]:
    """Every table's row count and a fingerprint of its rows, the schema, the sequences."""
    with psycopg.connect(f"{PG}/{database}", autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        rows: dict[str, tuple[int, str]] = {}
        for table in tables:
            found = conn.execute(FINGERPRINT.format(table=table)).fetchone()
            assert found is not None
            rows[table] = (found[0], found[1])

        def listing(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in conn.execute(sql)]

        return {
            "rows": rows,
            "sequences": listing(
                "SELECT sequencename, last_value FROM pg_sequences"
                " WHERE schemaname = 'public' ORDER BY sequencename"
            ),
            # Names, kinds and column names: a CHECK's text is deparsed again after a restore
            # and may spell the same condition differently (casts around an IN list), and the
            # column numbers change where a migration dropped a column.
            "constraints": listing(
                "SELECT c.conrelid::regclass::text, c.conname, c.contype, c.convalidated,"
                " (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a"
                "  WHERE a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey))"
                " FROM pg_constraint c WHERE c.connamespace = 'public'::regnamespace"
                " ORDER BY 1, 2"
            ),
            "columns": listing(
                "SELECT table_name, column_name, data_type, is_nullable, column_default"
                " FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
            ),
            "indexes": listing(
                "SELECT tablename, indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = 'public' ORDER BY 1, 2"
            ),
            "extensions": listing("SELECT extname, extversion FROM pg_extension ORDER BY 1"),
            "bookings": listing(
                "SELECT id, reference, token_hash, status, total_cents"
                " FROM bookings_booking ORDER BY id"
            ),
            "invoices": listing(
                "SELECT id, number, total_incl_vat_cents, paid, length(pdf),"
                " encode(sha256(pdf), 'hex') FROM invoicing_invoice ORDER BY id"
            ),
            "invoice_counters": listing(
                "SELECT series, year, last_number FROM invoicing_invoicesequence ORDER BY 1, 2"
            ),
        }


def test_a_dump_restored_into_a_fresh_database_gives_back_every_row(
    scratch_database: str, tmp_path: Path
) -> None:
    # Real data, written by the app itself.
    _manage(scratch_database, "load_demo")
    _manage(scratch_database, "load_guides_demo")
    seeded = _app_step(scratch_database, "seed")
    before = _snapshot(scratch_database)
    counts = {table: count for table, (count, _digest) in before["rows"].items()}
    for table in (
        "bookings_booking",
        "bookings_bookingevent",
        "payments_payment",
        "invoicing_invoice",
        "guides_assignment",
        "itineraries_departure",
    ):
        assert counts[table] > 0, table
    assert [row[1] for row in before["invoices"]] == [seeded["invoice"]]
    assert before["invoices"][0][4] == seeded["pdf_bytes"] > 1000  # the PDF is in the database

    # Dump, drop, create again, restore: the commands of docs/operations.md.
    dump = tmp_path / "voyages.dump"
    with dump.open("wb") as out:
        _client(_on(_documented("pg_dump"), scratch_database), stdout=out)
    assert dump.read_bytes()[:5] == b"PGDMP"  # the custom format
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE {scratch_database} WITH (FORCE)")
    _client(_on(_documented("createdb"), scratch_database))
    with dump.open("rb") as archive:
        _client(_on(_documented("pg_restore"), scratch_database), stdin=archive)

    # Same tables, same rows, same schema, same counters.
    after = _snapshot(scratch_database)
    assert after["rows"].keys() == before["rows"].keys()
    assert {t: c for t, (c, _d) in after["rows"].items()} == counts
    assert after["rows"] == before["rows"]
    for key in ("columns", "constraints", "indexes", "sequences", "extensions"):
        assert after[key] == before[key], key
    assert after["bookings"] == before["bookings"]
    assert after["invoices"] == before["invoices"]
    assert after["invoice_counters"] == before["invoice_counters"]

    # Nothing to migrate, and the app carries on from where the dump stopped.
    _manage(scratch_database, "migrate", "--check")
    carried_on = _app_step(scratch_database, "after", seeded["bookings"][0])
    assert carried_on["status"] == "confirmed"
    assert carried_on["seats_left"] == carried_on["capacity"] - carried_on["participants"]
    assert carried_on["new_booking_id"] > max(row[0] for row in before["bookings"])
    series_year, number = seeded["invoice"].rsplit("-", 1)
    assert carried_on["new_invoice"] == f"{series_year}-{int(number) + 1:06d}"
    assert carried_on["new_pdf_bytes"] > 1000
