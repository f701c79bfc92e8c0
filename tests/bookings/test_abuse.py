"""Abuse: booking creation and token look-ups are throttled per client."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.throttling import ScopedRateThrottle

from bookings.models import Booking
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {
        **ScopedRateThrottle.THROTTLE_RATES,
        "booking_create": "3/minute",
        "booking_lookup": "5/minute",
    }
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)


def test_booking_creation_is_throttled_per_client(api: Any, tight_rates: None) -> None:
    departure = bookable_departure()
    for _ in range(3):
        assert book(api, departure, participants=1).status_code == 201
    response = book(api, departure, participants=1)
    assert_problem(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert Booking.objects.count() == 3
    api.defaults["REMOTE_ADDR"] = "192.0.2.7"  # another client still gets through
    assert book(api, departure, participants=1).status_code == 201


def test_token_guessing_is_throttled(api: Any, tight_rates: None) -> None:
    reference = book(api, bookable_departure()).json()["reference"]
    codes = [
        api.get(f"/api/v1/bookings/{reference}/", HTTP_X_BOOKING_TOKEN=f"guess-{i}").status_code
        for i in range(7)
    ]
    assert codes[:5] == [404] * 5
    assert codes[5:] == [429, 429]
