"""Staff mark a booking as professional training in the admin (issue 16, item 5): through
``booking_set_training``, audited, idempotent; the other fields of the form are unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from bookings.models import Booking, BookingEvent
from bookings.services import Actor
from bookings.services.training import booking_set_training
from tests.bookings.helpers import book, bookable_departure
from tests.bookings.test_participants import _admin_form

pytestmark = pytest.mark.django_db


def test_staff_tick_training_in_the_admin_and_it_is_audited(api: Any, admin_client: Any) -> None:
    reference = book(api, bookable_departure()).json()["reference"]
    booking = Booking.objects.get(reference=reference)
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="training"' in page
    response = admin_client.post(url, {**_admin_form(booking, []), "training": "on"})
    assert response.status_code == 302, response.content
    booking.refresh_from_db()
    assert booking.training is True
    event = BookingEvent.objects.get(booking=booking, action="training_set")
    assert event.actor_kind == "staff"
    assert event.data == {"training": True, "reason": "admin"}
    # Saved again unchanged: no second event; unticked: recorded.
    admin_client.post(url, {**_admin_form(booking, []), "training": "on"})
    assert BookingEvent.objects.filter(booking=booking, action="training_set").count() == 1
    admin_client.post(url, _admin_form(booking, []))
    booking.refresh_from_db()
    assert booking.training is False
    assert BookingEvent.objects.filter(booking=booking, action="training_set").count() == 2


def test_setting_training_twice_changes_nothing_the_second_time(api: Any) -> None:
    reference = book(api, bookable_departure()).json()["reference"]
    booking = Booking.objects.get(reference=reference)
    for _round in range(2):
        booking_set_training(
            booking_id=booking.pk, training=True, actor=Actor.system(), reason="test"
        )
    assert Booking.objects.get(pk=booking.pk).training is True
    assert BookingEvent.objects.filter(booking=booking, action="training_set").count() == 1
