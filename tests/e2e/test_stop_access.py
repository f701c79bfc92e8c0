"""Each stop of the itinerary page says its known access facts (issue 18, item 2): walking
distance, climb, toilets, the alternative to the slag heap's climb; a stop whose facts are not
known says nothing of them. French and English, phone and desktop widths."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from itineraries.invalidation import catalogue_written
from itineraries.models import Site, Stop
from tests.bookings.helpers import bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import unexpected
from tests.factories import SiteFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_each_stop_says_its_known_access_facts(page: Any) -> None:
    heap = Site.objects.get(pk=SiteFactory(slug="terril-74a", name_fr="Terril 74A").pk)
    departure = bookable_departure(
        title_fr="Base 11/19 et terrils", title_en="Base 11/19 and heaps"
    )
    itinerary = departure.itinerary
    Stop.objects.create(
        itinerary=itinerary,
        site=heap,
        position=2,
        offset_minutes=90,
        duration_minutes=60,
        title_fr="Ascension du 74A",
        title_en="Up heap 74A",
        walking_distance_m=1500,
        climb_m=120,
        alternative_fr="Atelier au pied du terril avec un accompagnateur.",
        alternative_en="A workshop at the foot of the heap with an adult.",
    )
    Site.objects.filter(pk=heap.pk).update(toilets=False)
    catalogue_written()  # what the stops' admin does after such a write

    page.goto(f"/itineraries/{itinerary.slug}")
    stops = page.locator(".timeline > li")
    expect(stops).to_have_count(2)
    expect(stops.nth(0).locator(".stop-access")).to_have_count(0)  # nothing known: nothing said
    facts = stops.nth(1).locator(".stop-access")
    expect(facts).to_contain_text("1500 m à pied · 120 m de montée · Pas de toilettes sur place")
    expect(facts).to_contain_text(
        "Si vous ne pouvez pas : Atelier au pied du terril avec un accompagnateur."
    )
    shoot(page, "stop-access-fr")

    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("heaps"))
    expect(facts).to_contain_text("1500 m on foot · 120 m climb · No toilets on site")
    expect(facts).to_contain_text(
        "If you cannot: A workshop at the foot of the heap with an adult."
    )
    shoot(page, "stop-access-en")
    assert unexpected(page.problems) == []
