"""Every service that writes a booking invalidates what its row feeds (bookings.invalidation).

There is no ``post_save`` receiver behind the cache any more: each service says what it made
stale. These tests watch every booking row written and every cache namespace bumped while a
service runs, and fail for a service that writes a booking without bumping the seats left
(``availability``) and, for a booking that existed, its programme's namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest
from django.utils import timezone

from bookings import retention, services
from bookings.models import Booking, BookingStatus
from bookings.programme import booking_namespace
from tests.bookings.helpers import book, bookable_departure
from tests.cache_watch import Seen, writes_watcher
from tests.factories import schedule

pytestmark = pytest.mark.django_db


class Watch(Seen):
    def check(self) -> None:
        self.require(("availability",), what="booking")
        created: dict[str, bool] = {}
        for booking, was_created in self.saved:
            created.setdefault(cast(Booking, booking).reference, was_created)
        for reference, first_created in created.items():
            if not first_created:
                assert booking_namespace(reference) in self.bumped, f"{reference} not invalidated"


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], Watch]:
    return writes_watcher(monkeypatch, (Booking,), Watch)


@pytest.fixture
def booked(api: Any) -> dict[str, Any]:
    response = book(api, bookable_departure(capacity=30, days=40), participants=10)
    assert response.status_code == 201, response.content
    return dict(response.json())


def _booking(booked: dict[str, Any]) -> Booking:
    return Booking.objects.select_related("departure__itinerary").get(reference=booked["reference"])


def test_booking_creates_invalidate_seats(api: Any, watch: Any) -> None:
    departure = bookable_departure()
    watch(lambda: book(api, departure, participants=4)).check()


def test_changes_and_cancellations_invalidate(api: Any, watch: Any, booked: Any) -> None:
    url = f"/api/v1/bookings/{booked['reference']}/"
    token = {"HTTP_X_BOOKING_TOKEN": booked["token"]}
    watch(lambda: api.patch(url, {"participants": 12}, format="json", **token)).check()
    watch(lambda: api.post(f"{url}cancel/", {}, format="json", **token)).check()


def test_staff_moves_and_payments_invalidate(
    staff_api: Any, staff: Any, watch: Any, booked: Any
) -> None:
    booking = _booking(booked)
    other = schedule(booking.departure.itinerary, days=47, capacity=12)
    url = f"/api/v1/bookings/{booked['reference']}/"
    watch(lambda: staff_api.post(f"{url}move/", {"departure": other.pk}, format="json")).check()
    payment = {
        "method": "bank_transfer",
        "amount_cents": 1000,
        "date": timezone.localdate().isoformat(),
        "reference": "VIR-1",
    }
    watch(lambda: staff_api.post(f"{url}payments/", payment, format="json")).check()


@pytest.mark.parametrize("decision", ["confirm", "decline"])
def test_the_office_deciding_a_request_invalidates(
    staff: Any, watch: Any, booked: Any, decision: str
) -> None:
    Booking.objects.filter(reference=booked["reference"]).update(
        status=BookingStatus.REQUESTED, hold_expires_at=timezone.now() + timedelta(days=3)
    )
    actor = services.Actor.staff(staff)
    if decision == "confirm":
        watch(lambda: services.booking_confirm(booking=_booking(booked), actor=actor)).check()
    else:
        watch(lambda: services.booking_decline(booking=_booking(booked), actor=actor)).check()


def test_expiry_and_erasure_invalidate(watch: Any, booked: Any) -> None:
    Booking.objects.filter(reference=booked["reference"]).update(
        status=BookingStatus.REQUESTED, hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    watch(services.bookings_expire_holds).check()
    watch(
        lambda: retention.booking_anonymise(
            booking=_booking(booked), actor=services.Actor.system(), reason="request"
        )
    ).check()


def test_the_watch_fails_for_a_write_that_says_nothing(watch: Any, booked: Any) -> None:
    """The negative control: a raw save of a booking is caught."""

    def silent() -> None:
        booking = _booking(booked)
        booking.notes = "changed without a service"
        booking.save(update_fields=["notes"])

    with pytest.raises(AssertionError, match=r"not (bumped|invalidated)"):
        watch(silent).check()
