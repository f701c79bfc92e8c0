"""Retention on PostgreSQL: two runs at once (a slow night, a second worker, a run by hand)
anonymise each booking once; the negative control shows both writing without the row locks."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from bookings import retention
from bookings.models import Booking, BookingEvent
from tests.bookings.helpers import book, bookable_departure
from tests.concurrency.conftest import run_in_threads
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def held_between_checks_and_write(parties: int) -> Iterator[None]:
    """Without the locks both runs pass the checks on the same booking; with them the second
    run waits on the departure row and the barrier breaks after a second."""
    barrier = threading.Barrier(parties, timeout=1)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    retention._after_checks = wait
    try:
        yield
    finally:
        retention._after_checks = None


def _declined_request_past_its_retention() -> Booking:
    body = book(APIClient(), bookable_departure()).json()
    staff = APIClient()
    staff.force_authenticate(StaffFactory(username="office-retention"))
    declined = staff.post(f"/api/v1/bookings/{body['reference']}/decline/", {}, format="json")
    assert declined.status_code == 200, declined.content
    old = timezone.now() - timedelta(days=settings.RETENTION_UNBOOKED_REQUEST_DAYS + 1)
    Booking.objects.filter(reference=body["reference"]).update(updated_at=old)
    return Booking.objects.get(reference=body["reference"])


def _two_runs_at_once() -> tuple[Booking, list[Any]]:
    booking = _declined_request_past_its_retention()
    with held_between_checks_and_write(2):
        results = run_in_threads([retention.bookings_apply_retention] * 2)
    return booking, results


def test_two_retention_runs_at_once_anonymise_a_booking_once() -> None:
    booking, results = _two_runs_at_once()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.anonymised for r in results) == [0, 1]
    assert BookingEvent.objects.filter(booking=booking, action="anonymised").count() == 1
    booking.refresh_from_db()
    assert booking.contact_email == "" and booking.anonymised_at is not None


def test_negative_control_without_the_locks_both_runs_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(retention, "_row_locks_enabled", False)
    booking, results = _two_runs_at_once()
    assert [r.anonymised for r in results] == [1, 1]
    assert BookingEvent.objects.filter(booking=booking, action="anonymised").count() == 2
