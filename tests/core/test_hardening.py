"""Production hardening: deploy checks, security headers, admin lockout, logs without secrets."""

from __future__ import annotations

import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from core.logging import redact
from tests.bookings.helpers import book, bookable_departure
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_check_is_clean_with_production_settings() -> None:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "visites.example.org",
        # Production shares one cache between its processes (core.E003); the check connects
        # to nothing.
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SITE_URL": "https://visites.example.org",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_every_answer_carries_a_request_id_and_keeps_a_good_one(client: Client) -> None:
    fresh = client.get("/healthz")
    assert len(fresh["X-Request-ID"]) == 32
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-req-12345678")
    assert kept["X-Request-ID"] == "proxy-req-12345678"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert forged["X-Request-ID"] != "bad id\nwith newline"


@pytest.mark.django_db
def test_api_answers_carry_the_security_headers(client: Client) -> None:
    response = client.get("/api/v1/themes/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_admin_sign_in_is_locked_after_five_failures() -> None:
    UserFactory(username="office", is_staff=True, password="right password 42")
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(4):
        page = client.post("/admin/login/", {"username": "office", "password": "wrong"})
        assert page.status_code == 200
    fifth = client.post("/admin/login/", {"username": "office", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post("/admin/login/", {"username": "office", "password": "right password 42"})
    assert locked.status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.5")
    ok = other.post("/admin/login/", {"username": "office", "password": "right password 42"})
    assert ok.status_code == 302


def test_redaction_covers_every_kind_of_secret() -> None:
    line = (
        "GET /api/v1/bookings/VA-ABCDEF/calendar.ics?token=s3cr3tT0ken&x=1 "
        "/calendar/guides/AbCdEf123456.ics X-Booking-Token: abcdef123 sk_test_abcdefghij12"
    )
    clean = redact(line)
    for secret in ("s3cr3tT0ken", "AbCdEf123456", "abcdef123", "sk_test_abcdefghij12"):
        assert secret not in clean
    assert "VA-ABCDEF" in clean and "x=1" in clean


@pytest.mark.django_db
def test_a_full_booking_flow_writes_no_token_to_the_logs(
    api: Any, captured_logs: io.StringIO
) -> None:
    created = book(api, bookable_departure()).json()
    token, reference = created["token"], created["reference"]
    base = f"/api/v1/bookings/{reference}/"
    api.get(f"{base}?token={token}")
    api.get(base, HTTP_X_BOOKING_TOKEN=token)
    api.get(f"{base}calendar.ics?token={token}")
    api.get(f"{base}?token={token}x")  # a wrong token: logged as a 404
    api.patch(f"{base}?token={token}", {"participants": 0}, format="json")  # a 400
    api.post(f"{base}cancel/?token={token}", {}, format="json")
    api.get(f"/calendar/guides/{token}.ics")  # a 404 with the secret in the path
    logging.getLogger("django.request").warning("Not Found: %s?token=%s", base, token)
    output = captured_logs.getvalue()
    assert output, "the flow should have logged something"
    assert token not in output
    for line in output.splitlines():
        entry = json.loads(line)
        assert entry["request_id"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_AUTHORIZATION": "Token ab\x00cd"},
        {"HTTP_X_BOOKING_TOKEN": "ab\x00cd"},
        {"HTTP_COOKIE": "sessionid=ab\x00cd"},
        {"QUERY_STRING": "theme=a%00b"},
    ],
)
def test_nul_bytes_are_refused_before_any_query(client: Client, extra: dict[str, str]) -> None:
    response = client.get("/api/v1/bookings/VA-ABCDEF/", **extra)
    assert response.status_code == 400
    assert response.json()["code"] == "nul_byte"


@pytest.mark.django_db
def test_a_nul_byte_in_the_path_is_a_plain_404(client: Client) -> None:
    response = client.get("/api/v1/bookings/VA-ABCDEF/calendar.ics%00")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
