"""Staff moving bookings onto a departure while groups book it, on PostgreSQL: the target
departure's lock means its seats are never oversold (issue 14, item 15)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from bookings import services
from bookings.models import Booking
from bookings.services import base as seams
from bookings.services import move as staff_changes
from core.errors import Conflict
from tests.bookings.helpers import bookable_departure, booking_body
from tests.concurrency.conftest import run_in_threads
from tests.concurrency.test_booking_race import held_between_count_and_write
from tests.factories import UserFactory, schedule

pytestmark = pytest.mark.django_db(transaction=True)


def _race() -> tuple[int, list[Any]]:
    """Four bookings of 4 moved by staff and four groups of 4 booking, all at once, onto a
    departure with 10 seats: at most two of the eight fit."""
    source = bookable_departure(capacity=30, days=40)
    target = schedule(source.itinerary, days=47, capacity=10)
    staff = UserFactory(username="office-race", is_staff=True, is_superuser=True)
    client = APIClient()
    movers = []
    for index in range(4):
        body = booking_body(participants=4, options=[], departure=source.pk)
        client.credentials(REMOTE_ADDR=f"10.1.0.{index + 1}")
        response = client.post("/api/v1/bookings/", body, format="json")
        assert response.status_code == 201, response.content
        booking = Booking.objects.get(reference=response.json()["reference"])

        def move(booking: Booking = booking) -> Any:
            return staff_changes.booking_move(
                booking=booking, actor=services.Actor.staff(staff), departure_id=target.pk
            )

        movers.append(move)

    def group(index: int) -> Any:
        def run() -> Any:
            api = APIClient(REMOTE_ADDR=f"10.2.0.{index + 1}")
            body = booking_body(participants=4, options=[], departure=target.pk)
            return api.post("/api/v1/bookings/", body, format="json")

        return run

    with held_between_count_and_write(8):
        results = run_in_threads([*movers, *(group(i) for i in range(4))])
    return target.pk, results


def _seats(departure_id: int) -> int:
    total = Booking.objects.filter(departure_id=departure_id).aggregate(n=Sum("participants"))
    return int(total["n"] or 0)


def test_moves_and_bookings_racing_for_one_departure_never_oversell_it() -> None:
    target, results = _race()
    for result in results[:4]:
        assert isinstance(result, staff_changes.Move | Conflict), result
    assert {r.status_code for r in results[4:]} <= {201, 409}
    assert _seats(target) <= 10
    assert _seats(target) == 8  # two of them fit, one after the other


def test_negative_control_without_the_lock_moves_oversell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seams, "_departure_lock_enabled", False)
    target, _results = _race()
    assert _seats(target) > 10
