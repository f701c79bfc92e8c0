"""Staff move a private booking: its own departure moves, the sites, closed days and the
assigned guides are re-checked (issue 14, item 15)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bookings.models import Booking, BookingEvent
from bookings.services import move as staff_changes
from guides.models import Assignment, TimeOff
from tests.bookings.helpers import bookable_departure, booking_body
from tests.conftest import assert_problem
from tests.guides.helpers import assign, at, make_guide

pytestmark = pytest.mark.django_db


def _private_booking(api: Any) -> tuple[dict[str, Any], Any]:
    bookable_departure(private_start_times=["09:00"], languages=["fr"])
    guide = make_guide(languages=["fr"])
    body = booking_body(itinerary="base-11-19", starts_at=at(20, 9).isoformat(), participants=12)
    response = api.post("/api/v1/bookings/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json(), guide


def _move(client: Any, reference: str, **body: Any) -> Any:
    return client.post(f"/api/v1/bookings/{reference}/move/", body, format="json")


def test_a_private_booking_moves_with_its_departure_and_its_guide(staff_api: Any, api: Any) -> None:
    booked, guide = _private_booking(api)
    private = Booking.objects.get(reference=booked["reference"]).departure
    assign(private, guide)
    moved = _move(staff_api, booked["reference"], starts_at=at(23, 9).isoformat())
    assert moved.status_code == 200, moved.content
    private.refresh_from_db()
    assert private.starts_at == at(23, 9)
    assert private.sequence == 1
    assert Assignment.objects.get(departure=private).starts_at < at(23, 9)
    event = BookingEvent.objects.get(action="moved")
    assert datetime.fromisoformat(event.data["to_starts_at"]) == at(23, 9)
    assert_problem(
        _move(staff_api, booked["reference"], departure=private.pk),
        400,
        staff_changes.PRIVATE_NEEDS_TIME,
        "starts_at",
    )


def test_a_private_move_the_assigned_guide_cannot_follow_is_refused(
    staff_api: Any, api: Any
) -> None:
    booked, guide = _private_booking(api)
    private = Booking.objects.get(reference=booked["reference"]).departure
    assign(private, guide)
    TimeOff.objects.create(guide=guide, starts_at=at(23, 0), ends_at=at(24, 0), reason="congé")
    refused = _move(staff_api, booked["reference"], starts_at=at(23, 9).isoformat())
    assert refused.status_code == 409, refused.content
    private.refresh_from_db()
    assert private.starts_at == at(20, 9)
    assert not BookingEvent.objects.filter(action="moved").exists()
