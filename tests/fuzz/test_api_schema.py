"""Schemathesis drives every operation of the OpenAPI schema with generated input.

Whatever a client sends, the API never answers 5xx and every answer conforms to the schema
(documented status, content type and body). The budget per operation is kept small for CI;
``FUZZ_EXAMPLES`` raises it for a longer run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.factories import StaffFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CSRF_SECRET = "fuzzCsrfSecret0123456789abcdefgh"  # 32 characters, as Django's are


def staff_headers(session: str) -> dict[str, str]:
    """The staff's session cookie, and the CSRF cookie and header that its POSTs need."""
    cookies = (
        f"{django_settings.SESSION_COOKIE_NAME}={session}; "
        f"{django_settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
    )
    return {"Cookie": cookies, "X-CSRFToken": CSRF_SECRET}


schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture
def world(db: Any) -> Iterator[dict[str, str]]:
    """Some real data, so that generated requests also reach existing rows.

    Then the WSGI handler must not close the database connection after each request, which
    would end the test's transaction on PostgreSQL: Django's own test client unhooks the same
    receivers (and hooks them back after each of its requests, hence here, after the data).
    """
    departure = bookable_departure(capacity=30, days=30)
    created = book(CommittingAPIClient(), departure, participants=3).json()
    staff: Any = StaffFactory(username="fuzz-office")
    # A signed-in session, as the office's browser holds it; the CSRF pair makes its POSTs pass.
    browser = Client()
    browser.force_login(staff)
    session = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {"staff_session": session, "booking_token": created["token"]}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@pytest.mark.parametrize("as_staff", [False, True], ids=["anonymous", "staff"])
def test_no_server_error_and_answers_match_the_schema(
    case: Any, world: dict[str, str], as_staff: bool
) -> None:
    headers = staff_headers(world["staff_session"]) if as_staff else {}
    # Schemathesis' WSGI client asks for gzip but does not decode it; public answers are gzipped
    # (core/compression.py, tested in tests/core/test_phone_loading.py): ask for them plain.
    headers = {**headers, "Accept-Encoding": "identity"}
    case.call_and_validate(
        headers=headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
