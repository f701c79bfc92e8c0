"""The admin pages answer and their actions go through the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client, RequestFactory, TestCase

from bookings.models import Booking, BookingStatus
from itineraries import services as itinerary_services
from itineraries.admin import DepartureAdmin as CatalogueDepartureAdmin
from itineraries.models import Departure, DepartureStatus
from tests.bookings.helpers import book, bookable_departure
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged() -> Client:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/itineraries/itinerary/",
        "/admin/itineraries/site/",
        "/admin/itineraries/theme/",
        "/admin/itineraries/departure/",
        "/admin/bookings/booking/",
    ],
)
def test_admin_lists_answer(admin_client_logged: Client, api: Any, path: str) -> None:
    book(api, bookable_departure())
    assert admin_client_logged.get(path).status_code == 200


def test_admin_booking_page_shows_the_audit_trail(admin_client_logged: Client, api: Any) -> None:
    reference = book(api, bookable_departure()).json()["reference"]
    booking = Booking.objects.get(reference=reference)
    page = admin_client_logged.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert page.status_code == 200
    assert b"created" in page.content
    assert booking.token_hash.encode() not in page.content


def test_admin_confirm_action_uses_the_service(admin_client_logged: Client, api: Any) -> None:
    reference = book(api, bookable_departure()).json()["reference"]
    booking = Booking.objects.get(reference=reference)
    response = admin_client_logged.post(
        "/admin/bookings/booking/", {"action": "confirm", "_selected_action": [booking.pk]}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.events.filter(action="confirmed", actor_kind="staff").exists()


def test_admin_cancelling_a_departure_cancels_its_bookings(
    admin_client_logged: Client, api: Any
) -> None:
    departure = bookable_departure()
    book(api, departure)
    admin_client_logged.post(
        "/admin/itineraries/departure/",
        {"action": "cancel_departures", "_selected_action": [departure.pk]},
    )
    departure.refresh_from_db()
    assert departure.status == DepartureStatus.CANCELLED
    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_the_catalogues_own_cancel_action_cancels_the_bookings_too(api: Any) -> None:
    """Whichever app's departure admin is registered last, the catalogue's action is enough:
    it goes through the one service that cancels a departure, and the bookings follow."""
    departure = bookable_departure()
    reference = book(api, departure).json()["reference"]
    request = RequestFactory().post("/admin/itineraries/departure/")
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True)  # type: ignore[assignment]
    request._messages = CookieStorage(request)
    catalogue_admin = CatalogueDepartureAdmin(Departure, admin.site)
    with TestCase.captureOnCommitCallbacks(execute=True):
        catalogue_admin.cancel_departures(request, Departure.objects.filter(pk=departure.pk))
    departure.refresh_from_db()
    assert departure.status == DepartureStatus.CANCELLED
    booking = Booking.objects.get(reference=reference)
    assert booking.status == BookingStatus.CANCELLED
    event = booking.events.get(action="cancelled")
    assert (event.actor_kind, event.data["refund_percent"]) == ("staff", 100)


def test_cancelling_again_a_departure_left_with_live_bookings_cancels_them(api: Any) -> None:
    """A departure cancelled before its bookings followed it (the old catalogue action) is
    repaired by cancelling it again: the service tells the bookings even when nothing changes."""
    departure = bookable_departure()
    reference = book(api, departure).json()["reference"]
    Departure.objects.filter(pk=departure.pk).update(status=DepartureStatus.CANCELLED)
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = itinerary_services.departure_cancel(departure=departure, reason="repair")
    assert result.changed is False
    assert [booking.reference for booking in result.cancelled] == [reference]
    assert Booking.objects.get(reference=reference).status == BookingStatus.CANCELLED


def test_admin_cannot_shrink_a_site_below_its_scheduled_visitors(
    admin_client_logged: Client,
) -> None:
    departure = bookable_departure(capacity=30)
    site = departure.itinerary.stops.get().site
    page = admin_client_logged.get(f"/admin/itineraries/site/{site.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update({"max_visitors": 20, "latitude": "50.44320", "longitude": "2.78850"})
    response = admin_client_logged.post(f"/admin/itineraries/site/{site.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert b"30 visitors" in response.content
    site.refresh_from_db()
    assert site.max_visitors == 200
