"""The group's booking page says its departure's go/no-go (issue 18, item 4): how many more
participants and by when, then "confirmed" once staff confirm it. French and English."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from itineraries.models import Itinerary
from itineraries.services import departure_go_confirm
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import unexpected

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_booking_page_says_how_many_more_and_then_confirmed(page: Any) -> None:
    departure = bookable_departure(days=20)
    Itinerary.objects.filter(pk=departure.itinerary_id).update(
        departure_minimum=20, decision_days=7
    )
    body = book(CommittingAPIClient(), departure, participants=12).json()
    page.goto(f"/bookings/{body['reference']}?token={body['token']}")
    line = page.locator("#go-no-go")
    expect(line).to_contain_text("a besoin de 8 participant(s) de plus pour être confirmé")
    shoot(page, "booking-go-no-go-fr")
    page.get_by_role("button", name="Switch to English").click()
    expect(line).to_contain_text("needs 8 more participant(s) to be confirmed")

    departure.refresh_from_db()
    departure_go_confirm(departure=departure)
    page.reload()
    expect(line).to_have_text("Departure confirmed: the visit goes ahead.")
    shoot(page, "booking-go-no-go-en")
    assert unexpected(page.problems) == []
