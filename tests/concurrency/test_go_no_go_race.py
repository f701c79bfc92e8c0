"""Go/no-go on PostgreSQL: a group books the seats that reach a departure's minimum while the
decision runs. The decision locks the departure row, as every booking does, so it decides on
what is committed: the booking waits, then finds the departure cancelled and is refused. The
negative control, deciding without the lock, takes the booking between its count and its
decision and then cancels a departure that had reached its minimum, with the booking it had
just accepted."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bookings import errors, services
from bookings.inputs import BookingRequest
from bookings.models import Booking, BookingStatus
from bookings.selectors import seats_taken
from itineraries.models import Departure, DepartureStatus, Itinerary
from tests.bookings.helpers import bookable_departure, booking_body
from tests.concurrency.conftest import run_in_threads
from tests.concurrency.test_lock_order import _someone_waits_on_a_lock
from visits import go_no_go

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def counted() -> Iterator[dict[str, threading.Event]]:
    """The decision stops after its count until the booking waits on a lock, or has finished
    (the negative control), or five seconds pass."""
    events = {"counted": threading.Event(), "booked": threading.Event()}

    def hold() -> None:
        events["counted"].set()
        for _ in range(100):
            if events["booked"].is_set() or _someone_waits_on_a_lock():
                return
            time.sleep(0.05)

    go_no_go._after_count = hold
    try:
        yield events
    finally:
        go_no_go._after_count = None
        go_no_go._lock_departure = True


def _race(events: dict[str, threading.Event]) -> tuple[Departure, list[Any]]:
    departure = bookable_departure(capacity=30, days=20)
    Itinerary.objects.filter(pk=departure.itinerary_id).update(
        departure_minimum=15, decision_days=7
    )
    first, _token = services.booking_create(
        request=BookingRequest.from_data(booking_body(departure, participants=12, options=[]))
    )
    services.booking_confirm(booking=first, actor=services.Actor.system())
    now = departure.starts_at - timedelta(days=7) + timedelta(minutes=1)

    def decide() -> Any:
        return go_no_go.departure_decide(departure_id=departure.pk, now=now)

    def book_the_last_needed() -> Any:
        events["counted"].wait(5)
        try:
            booking, _token = services.booking_create(
                request=BookingRequest.from_data(
                    booking_body(departure, participants=5, options=[])
                )
            )
            return booking
        finally:
            events["booked"].set()

    results = run_in_threads([decide, book_the_last_needed])
    return Departure.objects.get(pk=departure.pk), results


def test_a_booking_during_the_decision_waits_and_is_refused(counted: Any) -> None:
    departure, (decision, booked) = _race(counted)
    assert decision.outcome == go_no_go.CANCELLED and decision.seats_taken == 12
    # The departure was cancelled meanwhile: the booking is refused, not taken then cancelled.
    assert getattr(booked, "code", None) == errors.DEPARTURE_NOT_BOOKABLE, booked
    assert departure.status == DepartureStatus.CANCELLED
    assert Booking.objects.filter(departure=departure).count() == 1


def test_negative_control_without_the_lock_a_full_enough_departure_is_cancelled(
    counted: Any,
) -> None:
    go_no_go._lock_departure = False
    departure, (decision, booked) = _race(counted)
    assert isinstance(booked, Booking), booked  # accepted while the decision was counting
    assert decision.outcome == go_no_go.CANCELLED and decision.seats_taken == 12
    # 17 seats were booked when the departure was cancelled for having fewer than 15.
    assert departure.status == DepartureStatus.CANCELLED
    statuses = set(Booking.objects.filter(departure=departure).values_list("status", flat=True))
    assert statuses == {BookingStatus.CANCELLED}
    assert Booking.objects.filter(departure=departure).count() == 2
    assert seats_taken(departure_id=departure.pk) == 0
