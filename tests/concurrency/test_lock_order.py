"""Lock order on PostgreSQL: the hold-expiry job and a cancellation of the same booking.

Every service locks the departure row, then the booking, then the payment. The expiry job used
to lock the booking first and then (for a private departure) the departure: with a cancellation
holding the departure and waiting for the booking, the two waited on each other and PostgreSQL
killed one of them with ``deadlock detected``. The test holds the expiry job after its first row
lock until the cancellation is seen waiting on a lock, which is exactly that interleaving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from bookings import services
from bookings.inputs import BookingRequest
from bookings.models import Booking, BookingStatus
from bookings.services import base as seams
from itineraries.models import Departure, DepartureKind, DepartureStatus
from tests.bookings.helpers import bookable_departure, booking_body
from tests.concurrency.conftest import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def _private_request_whose_hold_ran_out() -> Booking:
    departure = bookable_departure(capacity=20)
    booking, _token = services.booking_create(
        request=BookingRequest.from_data(booking_body(departure, options=[]))
    )
    # A private date's request, as made from a private-date request, with its hold run out.
    Departure.objects.filter(pk=departure.pk).update(kind=DepartureKind.PRIVATE)
    Booking.objects.filter(pk=booking.pk).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    return Booking.objects.get(pk=booking.pk)


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return bool(cursor.fetchone()[0])


@pytest.fixture
def expiry_held_after_its_first_lock() -> Iterator[threading.Event]:
    """The expiry job stops after its first row lock until another transaction waits on a lock
    (or ten seconds pass, when nothing ever waits)."""
    first_lock = threading.Event()
    expiry_thread = threading.local()

    def hold() -> None:
        if not getattr(expiry_thread, "is_expiry", False):
            return
        first_lock.set()
        for _ in range(200):
            if _someone_waits_on_a_lock():
                return
            time.sleep(0.05)

    seams._between_row_locks = hold
    first_lock.expiry_thread = expiry_thread
    try:
        yield first_lock
    finally:
        seams._between_row_locks = None


def _race(first_lock: threading.Event) -> tuple[Booking, list[Any]]:
    booking = _private_request_whose_hold_ran_out()
    expiry_thread = first_lock.expiry_thread

    def expire() -> int:
        expiry_thread.is_expiry = True
        return services.bookings_expire_holds()

    def cancel() -> Any:
        assert first_lock.wait(timeout=10)
        return services.booking_cancel(booking=booking, actor=services.Actor.system())

    results = run_in_threads([expire, cancel])
    return Booking.objects.get(pk=booking.pk), results


def test_hold_expiry_and_cancellation_of_one_booking_never_deadlock(
    expiry_held_after_its_first_lock: threading.Event,
) -> None:
    booking, (expired, cancelled) = _race(expiry_held_after_its_first_lock)
    assert "deadlock" not in f"{expired!r} {cancelled!r}"
    # The expiry job went first (it holds the departure while the cancellation waits); the
    # cancellation then finds an expired booking and refuses cleanly.
    assert expired == 1
    assert booking.status == BookingStatus.EXPIRED
    assert getattr(cancelled, "code", None) == "invalid_transition", cancelled
    assert booking.departure.status == DepartureStatus.CANCELLED


def test_negative_control_with_the_expiry_job_locking_the_booking_first_they_deadlock(
    monkeypatch: pytest.MonkeyPatch,
    expiry_held_after_its_first_lock: threading.Event,
) -> None:
    monkeypatch.setattr(seams, "_expiry_lock_order_reversed", True)
    _booking, results = _race(expiry_held_after_its_first_lock)
    assert any("deadlock detected" in str(result) for result in results), results
