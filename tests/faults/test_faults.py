"""Faults: a killed worker, a database restart, Redis and the broker down."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core import mail
from django.test import override_settings
from kombu.exceptions import OperationalError

from bookings.models import Booking
from bookings.tasks import send_booking_email
from tests.bookings.helpers import book, bookable_departure
from tests.faults.conftest import PG, ROOT
from tests.faults.proxy import Relay


def test_a_worker_killed_inside_a_booking_leaves_nothing_half_written(
    scratch_database: str,
) -> None:
    env = {**os.environ, "DATABASE_URL": f"{PG}/{scratch_database}"}
    script = [sys.executable, "-m", "tests.faults.booking_victim"]
    setup = subprocess.run(  # noqa: S603
        [*script, "setup"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    departure = setup.stdout.strip().splitlines()[-1]
    victim = subprocess.Popen(  # noqa: S603
        [*script, "book", departure], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert victim.stdout is not None
    assert victim.stdout.readline().strip() == "INSIDE"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    victim.stdout.close()
    with psycopg.connect(f"{PG}/{scratch_database}") as conn:
        assert conn.execute("SELECT count(*) FROM bookings_booking").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM bookings_bookingevent").fetchone() == (0,)
    # The row lock died with the process: the next group books the same departure at once.
    again = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _BOOK_ONCE.format(departure=departure)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    with psycopg.connect(f"{PG}/{scratch_database}") as conn:
        assert conn.execute("SELECT count(*) FROM bookings_booking").fetchone() == (1,)


_BOOK_ONCE = """
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()
from bookings import services
from bookings.inputs import BookingRequest
from tests.bookings.helpers import booking_body
data = booking_body(participants=4, options=[])
data["departure"] = {departure}
services.booking_create(request=BookingRequest.from_data(data))
"""


def test_a_process_killed_between_a_cancellation_and_its_refund_loses_neither(
    scratch_database: str,
) -> None:
    """The cancellation commits, then the process dies before anything runs on commit: the
    refund and the credit note it owes are still made, by the periodic tasks alone."""
    env = {**os.environ, "DATABASE_URL": f"{PG}/{scratch_database}"}
    env.pop("REDIS_URL", None)  # tasks run eagerly, in the process that dispatches them
    script = [sys.executable, "-m", "tests.faults.cancel_victim"]
    setup = subprocess.run(  # noqa: S603
        [*script, "setup"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    booking = setup.stdout.strip().splitlines()[-1]
    victim = subprocess.Popen(  # noqa: S603
        [*script, "cancel", booking], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    assert victim.stdout is not None
    assert victim.stdout.readline().strip() == "COMMITTED"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    victim.stdout.close()
    url = f"{PG}/{scratch_database}"
    refunds = "SELECT count(*), coalesce(sum(amount_cents), 0) FROM payments_refund"
    notes = (
        "SELECT count(*), coalesce(sum(total_incl_vat_cents), 0) FROM invoicing_invoice"
        " WHERE kind = 'credit_note'"
    )
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT status, total_cents FROM bookings_booking WHERE id = %s", (int(booking),)
        ).fetchone()
        assert row is not None
        status, total = row
        assert status == "cancelled"
        assert conn.execute(refunds).fetchone() == (0, 0)  # the process died before them
    subprocess.run([*script, "beat"], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    with psycopg.connect(url) as conn:
        assert conn.execute(refunds).fetchone() == (1, total)
        assert conn.execute(notes).fetchone() == (1, total)
    # A second round of the periodic tasks makes neither again.
    subprocess.run([*script, "beat"], cwd=ROOT, env=env, check=True, timeout=120)  # noqa: S603
    with psycopg.connect(url) as conn:
        assert conn.execute(refunds).fetchone() == (1, total)
        assert conn.execute(notes).fetchone() == (1, total)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """A GET that the response cache cannot answer (a query string never seen before)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    separator = "&" if "?" in path else "?"
    try:
        connection.request("GET", f"{path}{separator}nocache={secrets.token_hex(8)}")
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_a_database_restart_gives_503_then_recovers_without_a_restart(
    scratch_database: str,
) -> None:
    relay = Relay(5432)
    relay.start()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{relay.port}/{scratch_database}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "backend.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--threads",
            "2",
            "--log-level",
            "critical",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                if _get(port, "/api/v1/themes/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        assert _get(port, "/api/v1/themes/")[0] == 200
        relay.stop()  # the database goes away, connections included
        status, headers, body = _get(port, "/api/v1/themes/")
        assert status == 503
        assert headers["Retry-After"] == "5"
        assert headers["Content-Type"].startswith("application/problem+json")
        assert json.loads(body)["code"] == "service_unavailable"
        assert _get(port, "/healthz")[0] == 503
        relay.start()  # back on the same address
        statuses = []
        for _ in range(20):
            statuses.append(_get(port, "/api/v1/themes/")[0])
            if statuses[-1] == 200:
                break
            time.sleep(0.5)
        assert statuses[-1] == 200, statuses
        assert server.poll() is None  # the same server process, never restarted
    finally:
        server.terminate()
        server.wait(timeout=30)
        relay.stop()


CLOSED = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_redis_down_leaves_the_site_answering(api: Any) -> None:
    departure = bookable_departure()
    down = {
        "default": {
            "BACKEND": "core.cache_backend.ResilientRedisCache",
            "LOCATION": CLOSED,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=down):
        assert api.get("/api/v1/itineraries/").status_code == 200
        assert api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/").status_code == 200
        assert book(api, departure, participants=2).status_code == 201
        assert api.get("/api/v1/departures/").json()["results"][0]["seats_left"] == 28


@pytest.mark.django_db
def test_a_broker_outage_still_sends_the_mail(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    departure = bookable_departure()

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(send_booking_email, "apply_async", broker_down)
    response = book(api, departure, participants=2)
    assert response.status_code == 201
    assert Booking.objects.count() == 1
    assert len(mail.outbox) == 1  # run in the request when it could not be queued


def test_project_root_is_where_the_tests_think() -> None:
    assert (Path(ROOT) / "manage.py").exists()
