"""The terms of sale: a booking needs the version in force, records it, and its audit says so."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookings import errors
from bookings.models import Booking, BookingEvent
from bookings.terms import current_terms
from tests.bookings.helpers import book, bookable_departure, booking_body
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


def test_a_booking_without_the_terms_is_refused_and_nothing_is_created(api: Any) -> None:
    body = booking_body(bookable_departure())
    del body["terms_version"]
    response = api.post("/api/v1/bookings/", body, format="json")
    assert_problem(response, 400, "validation_error", "terms_version")
    assert response.json()["errors"] == [
        {"field": "terms_version", "code": "required", "message": "Ce champ est obligatoire."}
    ]
    assert Booking.objects.count() == 0


@pytest.mark.parametrize("version", ["2025-01", "2026-10", "latest"])
def test_an_outdated_or_unknown_version_is_refused(api: Any, version: str) -> None:
    response = book(api, bookable_departure(), terms_version=version)
    body = assert_problem(response, 400, errors.TERMS_NOT_CURRENT, "terms_version")
    assert body["current_version"] == current_terms().version
    assert "2026-11" in body["errors"][0]["message"]
    assert Booking.objects.count() == 0


def test_an_empty_version_is_refused(api: Any) -> None:
    response = book(api, bookable_departure(), terms_version="")
    assert_problem(response, 400, "validation_error", "terms_version")
    assert Booking.objects.count() == 0


def test_the_accepted_version_and_time_are_recorded_with_the_booking(api: Any) -> None:
    before = timezone.now()
    response = book(api, bookable_departure())
    assert response.status_code == 201, response.content
    booking = Booking.objects.get(reference=response.json()["reference"])
    assert booking.terms_version == current_terms().version == "2026-11"
    assert booking.terms_accepted_at is not None
    assert before <= booking.terms_accepted_at <= timezone.now() + timedelta(seconds=1)
    created = BookingEvent.objects.get(booking=booking, action="created")
    assert created.data["terms_version"] == "2026-11"


def test_the_admin_shows_the_accepted_terms(api: Any, admin_client: Any) -> None:
    reference = book(api, bookable_departure()).json()["reference"]
    booking = Booking.objects.get(reference=reference)
    page = admin_client.get(f"/admin/bookings/booking/{booking.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Conditions de vente acceptées (version)" in html
    assert "Conditions acceptées le" in html
    assert ">2026-11<" in html
