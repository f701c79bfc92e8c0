"""Staff move a booking to another date (issue 14, item 15): same seat checks as a booking,
audited with the staff user, the group e-mailed the new date in its language."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from bookings import errors
from bookings.models import Booking, BookingEvent
from bookings.services import move as staff_changes
from core.dates import format_datetime
from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_dates(api: Any) -> tuple[dict[str, Any], Departure, Departure]:
    first = bookable_departure(capacity=30, days=40)
    second = schedule(first.itinerary, days=47, capacity=12)
    booked = book(api, first, participants=10).json()
    mail.outbox.clear()
    return booked, first, second


def _move(client: Any, reference: str, **body: Any) -> Any:
    return client.post(f"/api/v1/bookings/{reference}/move/", body, format="json")


def test_staff_move_a_booking_to_another_departure(
    staff_api: Any, staff: Any, two_dates: Any
) -> None:
    booked, first, second = two_dates
    response = _move(staff_api, booked["reference"], departure=second.pk)
    assert response.status_code == 200, response.content
    assert response.json()["departure"]["id"] == second.pk
    booking = Booking.objects.get(reference=booked["reference"])
    assert booking.departure_id == second.pk
    assert booking.sequence == 1
    event = BookingEvent.objects.get(booking=booking, action="moved")
    assert event.actor == staff and event.actor_kind == "staff"
    assert event.data["from_departure"] == first.pk and event.data["to_departure"] == second.pk
    (message,) = mail.outbox
    assert "nouvelle date" in message.subject
    assert f"le {format_datetime(second.starts_at, 'fr')}" in message.body
    assert message.attachments[0][0].endswith(".ics")


def test_the_group_hears_of_the_new_date_in_english(staff_api: Any, api: Any) -> None:
    first = bookable_departure(capacity=30, days=40, languages=["fr", "en"])
    second = schedule(first.itinerary, days=47, language="en")
    english = schedule(first.itinerary, days=44, language="en")
    booked = book(api, english, participants=10, language="en").json()
    mail.outbox.clear()
    assert _move(staff_api, booked["reference"], departure=second.pk).status_code == 200
    (message,) = mail.outbox
    assert "new date" in message.subject
    assert f"on {format_datetime(second.starts_at, 'en')}" in message.body


def test_a_move_beyond_the_seats_left_is_refused_and_changes_nothing(
    staff_api: Any, api: Any, two_dates: Any
) -> None:
    booked, first, second = two_dates
    book(api, second, participants=5)
    response = _move(staff_api, booked["reference"], departure=second.pk)
    body = assert_problem(response, 409, errors.SOLD_OUT, "participants")
    assert body["seats_left"] == 7
    assert Booking.objects.get(reference=booked["reference"]).departure_id == first.pk
    assert not BookingEvent.objects.filter(action="moved").exists()


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({}, 400, "validation_error", "departure"),
        ({"departure": "x"}, 400, "validation_error", "departure"),
        ({"departure": 999999}, 400, errors.DEPARTURE_NOT_FOUND, "departure"),
    ],
)
def test_bad_moves_are_refused(
    staff_api: Any, two_dates: Any, body: Any, status: int, code: str, field: str
) -> None:
    booked, _first, _second = two_dates
    assert_problem(_move(staff_api, booked["reference"], **body), status, code, field)


def test_a_move_to_the_same_departure_or_another_itinerary_is_refused(
    staff_api: Any, two_dates: Any
) -> None:
    booked, first, _second = two_dates
    assert_problem(
        _move(staff_api, booked["reference"], departure=first.pk),
        400,
        staff_changes.SAME_DATE,
        "departure",
    )
    other = bookable_departure(slug="other-itinerary", days=50)
    assert_problem(
        _move(staff_api, booked["reference"], departure=other.pk),
        400,
        errors.DEPARTURE_NOT_BOOKABLE,
        "departure",
    )


def test_groups_cannot_move_their_booking(api: Any, two_dates: Any) -> None:
    booked, _first, second = two_dates
    api.credentials(HTTP_X_BOOKING_TOKEN=booked["token"])
    assert _move(api, booked["reference"], departure=second.pk).status_code in (401, 403)
