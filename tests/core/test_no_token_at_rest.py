"""No live booking token is readable in any table, the idempotency table included (whose answers
to a new booking and to a group's actions carry the token and ``?token=`` links)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from core.models import IdempotencyKey, IdempotencyStatus
from tests.bookings.helpers import bookable_departure, booking_body

pytestmark = pytest.mark.django_db

KEY = "c0ffee00-1d3m-p0t3-nt00-000000000001"


def _dump() -> str:
    """Every row of every table, as a database dump would carry it."""
    out = StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


def test_no_token_of_a_booking_is_readable_in_any_table(api: Any) -> None:
    body = booking_body(bookable_departure(), participants=10)
    first = api.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == 201, first.content
    token = first.json()["token"]
    cancel = f"/api/v1/bookings/{first.json()['reference']}/cancel/?token={token}"
    cancelled = api.post(cancel, {}, format="json", HTTP_IDEMPOTENCY_KEY=KEY + "-cancel")
    assert cancelled.status_code == 200, cancelled.content
    assert IdempotencyKey.objects.filter(status=IdempotencyStatus.DONE).count() == 2

    dump = _dump()
    assert '"model": "core.idempotencykey"' in dump
    assert token not in dump
    assert KEY not in dump  # the lookup column is a hash too

    # ...and the client that holds the key is still replayed its answer, token included.
    replayed = api.post("/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.content == first.content
