"""The seat rule's three forms (filter, SQL, Python) agree on every status and hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from bookings.selectors import seats_taken, with_seats_taken
from itineraries.models import Departure
from tests.bookings.helpers import bookable_departure

pytestmark = pytest.mark.django_db


def _booking(departure: Departure, index: int, status: str, hold: timedelta | None) -> Booking:
    return Booking.objects.create(
        reference=f"VA-T{index:05d}",
        token_hash="0" * 64,
        departure=departure,
        participants=2**index,  # each booking its own bit: the sum tells which ones counted
        language="fr",
        organisation_name="Groupe",
        organisation_type="school",
        contact_name="Contact",
        contact_email="c@example.org",
        payment_method="invoice",
        status=status,
        hold_expires_at=None if hold is None else timezone.now() + hold,
        price={},
        total_cents=0,
    )


def test_the_seat_rule_is_the_same_in_sql_in_the_orm_and_in_python() -> None:
    departure = bookable_departure()
    other = bookable_departure(slug="autre")
    expected = 0
    index = 0
    for status in BookingStatus.values:
        for hold in (None, timedelta(hours=1), -timedelta(hours=1)):
            if status in ("pending_payment", "requested") and hold is None:
                continue  # a held booking always has a hold (database constraint)
            booking = _booking(departure, index, status, hold)
            held = status in ("pending_payment", "requested")
            takes = status == "confirmed" or (held and hold is not None and hold > timedelta(0))
            if takes:
                expected += booking.participants
            assert booking.takes_seats() is takes, (status, hold)
            index += 1
    _booking(other, index, "confirmed", None)  # another departure's seats never count
    assert seats_taken(departure_id=departure.pk) == expected
    annotated = with_seats_taken(Departure.objects.filter(pk=departure.pk)).get()
    assert annotated.seats_taken_now == expected
    excluded = Booking.objects.get(reference="VA-T00000")  # confirmed, counted
    assert (
        seats_taken(departure_id=departure.pk, exclude_booking_id=excluded.pk)
        == expected - excluded.participants
    )
