"""Smaller holes: nested JSON, private booking answers, forged hosts, the docs page's CSP, the
compose file's e-mail default."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from tests.bookings.helpers import book, bookable_departure, booking_body
from tests.conftest import assert_problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize("depth", [2048, 100])
def test_deeply_nested_json_is_refused_with_400(api: Any, depth: int) -> None:
    body = "[" * depth + "]" * depth
    response = api.post("/api/v1/bookings/", body, content_type="application/json")
    problem = assert_problem(response, 400, "json_too_deep")
    assert problem["errors"] == [
        {"field": None, "code": "json_too_deep", "message": problem["detail"]}
    ]


@pytest.mark.django_db
def test_json_nested_as_deep_as_a_real_body_is_accepted(api: Any) -> None:
    # A booking body is four levels deep at most; the limit leaves ample room.
    departure = bookable_departure()
    assert book(api, departure, participants=3).status_code == 201
    nested = booking_body(departure, notes="", options=[])
    nested["organisation"]["name"] = "Mairie"
    response = api.post("/api/v1/bookings/", nested, format="json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
def test_the_groups_booking_answers_are_private_and_not_stored(api: Any) -> None:
    created = book(api, bookable_departure(), participants=3)
    assert created.status_code == 201
    assert created["Cache-Control"] == "private, no-store"
    booked = created.json()
    read = api.get(f"/api/v1/bookings/{booked['reference']}/?token={booked['token']}")
    assert read.status_code == 200
    assert read["Cache-Control"] == "private, no-store"
    changed = api.patch(
        f"/api/v1/bookings/{booked['reference']}/",
        {"participants": 4},
        format="json",
        HTTP_X_BOOKING_TOKEN=booked["token"],
    )
    assert changed.status_code == 200, changed.content
    assert changed["Cache-Control"] == "private, no-store"
    wrong = api.get(f"/api/v1/bookings/{booked['reference']}/?token=nope")
    assert wrong.status_code == 404
    assert wrong["Cache-Control"] == "private, no-store"


@pytest.fixture
def disallowed_host_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # The settings send this logger to the console only (propagate off): listen on it directly.
    logger = logging.getLogger("django.security.DisallowedHost")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)


@pytest.mark.django_db
def test_a_forged_host_is_logged_once_as_a_warning_without_a_traceback(
    disallowed_host_log: pytest.LogCaptureFixture,
) -> None:
    response = Client().get("/healthz", HTTP_HOST="evil.example")
    records = disallowed_host_log.records
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    forged = [r for r in records if r.name == "django.security.DisallowedHost"]
    assert len(forged) == 1
    assert forged[0].levelno == logging.WARNING
    assert "evil.example" in forged[0].getMessage()
    assert all(r.levelno < logging.ERROR for r in records)
    assert not any(r.exc_info or r.exc_text for r in records)


@pytest.mark.django_db
def test_the_api_docs_page_has_a_strict_content_security_policy(client: Client) -> None:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    parts = (part.partition(" ") for part in response["Content-Security-Policy"].split("; "))
    policy = {name: value for name, _space, value in parts}
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    html = response.content.decode()
    # No inline script: every <script> loads a file from this site.
    assert "<script>" not in html
    script = client.get(response.content.decode().split('<script src="')[-1].split('"')[0])
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_compose_file_has_no_console_e_mail_default() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    email_url = compose["x-app"]["environment"]["EMAIL_URL"]
    # Required, like SECRET_KEY: the console backend prints whole e-mails into the logs.
    assert email_url.startswith("${EMAIL_URL:?"), email_url
    assert "console" not in email_url
