"""The itinerary says, before booking, the minimum age and which stops lack step-free access
(issue 14, item 9), in French and English."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from itineraries.invalidation import catalogue_written
from itineraries.models import Site
from tests.bookings.helpers import bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import unexpected
from tests.factories import SiteFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_minimum_age_and_step_free_access_are_shown_before_booking(page: Any) -> None:
    heap = Site.objects.get(
        pk=SiteFactory(
            slug="terril-74", name_fr="Terril 74", wheelchair_accessible=False, minimum_age=8
        ).pk
    )
    departure = bookable_departure(
        title_fr="Base 11/19 et terrils", title_en="Base 11/19 and heaps"
    )
    itinerary = departure.itinerary
    itinerary.stops.create(
        site=heap, position=2, offset_minutes=90, duration_minutes=60, title_fr="Ascension"
    )
    Site.objects.exclude(pk=heap.pk).update(wheelchair_accessible=True, minimum_age=0)
    catalogue_written()  # what the admin does after these writes (itineraries.invalidation)

    page.goto(f"/itineraries/{itinerary.slug}")
    facts = page.locator(".access-facts")
    expect(facts).to_contain_text("À partir de 8 ans.")
    expect(facts).to_contain_text("Sans accès de plain-pied : Ascension.")
    shoot(page, "access-facts-fr")

    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("heaps"))
    expect(facts).to_contain_text("From the age of 8.")
    expect(facts).to_contain_text("No step-free access at: Ascension.")
    shoot(page, "access-facts-en")

    Site.objects.update(wheelchair_accessible=True, minimum_age=0)
    catalogue_written()  # as the sites' admin does
    page.reload()
    expect(facts).to_contain_text("No minimum age.")
    expect(facts).to_contain_text("Wheelchair accessible at every stop.")
    assert unexpected(page.problems) == []
