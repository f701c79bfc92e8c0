"""A real gunicorn, started with the image's own settings (backend/gunicorn_conf.py), writes no
booking or guide-feed token to its access or error log, whatever the client puts in the URL, the
Referer or the headers."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from django.contrib.auth import get_user_model
from guides.services import feed_token_rotate, guide_create
from tests.bookings.helpers import bookable_departure
user = get_user_model().objects.create_user(username="guide", password="not used here 42")
guide = guide_create(user=user, display_name="Guide", languages=["fr"])
print(bookable_departure().pk, feed_token_rotate(guide=guide))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = json.dumps(body).encode() if body is not None else None
    sent = {"Content-Type": "application/json", **(headers or {})}
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://visites.example.org",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        # The e-mails carry the token by design; they are not a log (see docs/operations.md).
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "INFO",
        # Production shares its cache between processes (core.E003): the local Redis, in a
        # database of its own; tasks queue there and no worker runs them, which this test needs not.
        "REDIS_URL": "redis://127.0.0.1:6379/11",
    }
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE",):
        env.pop(name, None)
    return env


def test_a_real_gunicorn_logs_no_token(production_env: dict[str, str], tmp_path: Path) -> None:
    env = production_env
    manage = [sys.executable, "manage.py"]
    subprocess.run(  # noqa: S603  (our own manage.py)
        [*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    setup = subprocess.run(  # noqa: S603
        [*manage, "shell", "-v0", "-c", SETUP],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    departure_id, feed_token = setup.stdout.split()
    port = _free_port()
    env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
    env["GUNICORN_WORKERS"] = "1"
    env["GUNICORN_THREADS"] = "2"
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:backend.gunicorn_conf"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            token = _flow(port, int(departure_id), feed_token)
        finally:
            server.terminate()
            server.wait(timeout=30)
    output = log_path.read_text(errors="replace")
    access_lines = [line for line in output.splitlines() if "/api/v1/bookings/" in line]
    assert len(access_lines) >= 8, output  # the access log is on, and was scanned
    assert "/calendar/guides/[redacted]" in output, output
    for secret in (token, feed_token):
        assert secret not in output, output


def _flow(port: int, departure_id: int, feed_token: str) -> str:
    for _ in range(150):
        try:
            if _request(port, "GET", "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    from tests.bookings.helpers import booking_body

    body = booking_body(participants=10)
    body["departure"] = departure_id
    status, raw = _request(port, "POST", "/api/v1/bookings/", body)
    assert status == 201, raw
    created = json.loads(raw)
    token, reference = created["token"], created["reference"]
    base = f"/api/v1/bookings/{reference}/"
    page = f"http://127.0.0.1:{port}/bookings/{reference}?token={token}"
    assert _request(port, "GET", f"{base}?token={token}")[0] == 200
    assert _request(port, "GET", f"{base}?%74oken={token}")[0] == 200  # an encoded name
    assert _request(port, "GET", base, headers={"X-Booking-Token": token})[0] == 200
    assert _request(port, "GET", base, headers={"Referer": page, "X-Booking-Token": token})[0] == (
        200
    )
    assert _request(port, "GET", f"{base}calendar.ics?token={token}")[0] == 200
    assert _request(port, "GET", f"{base}?token={token}x")[0] == 404
    assert _request(port, "PATCH", f"{base}?token={token}", {"participants": 0})[0] == 400
    assert _request(port, "POST", f"{base}cancel/?token={token}", {})[0] == 200
    assert _request(port, "GET", f"/calendar/guides/{feed_token}.ics")[0] == 200
    assert _request(port, "GET", f"/calendar%2Fguides/{feed_token}.ics")[0] in (200, 404)
    assert _request(port, "GET", f"/calendar/guides/{token}.ics")[0] == 404
    return str(token)


def test_the_image_runs_gunicorn_with_the_tested_settings() -> None:
    command = next(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD")
    )
    assert json.loads(command.removeprefix("CMD").strip()) == [
        "gunicorn",
        "-c",
        "python:backend.gunicorn_conf",
    ]
