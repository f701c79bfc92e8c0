"""A group larger than one public departure takes, in a real browser (issue 14 item 3)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from bookings.models import Booking
from tests.bookings.helpers import bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import fill_invoice_form, to_departure_month, unexpected
from tests.guides.helpers import make_guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _departure(site_capacity: int) -> Any:
    departure = bookable_departure(
        capacity=30,
        days=20,
        private_start_times=["09:00"],
        title_fr="Base 11/19 et terrils jumeaux",
        title_en="Base 11/19 and the twin slag heaps",
    )
    site = departure.itinerary.stops.get().site
    site.max_visitors = site_capacity
    site.save()
    return departure


def _open(page: Any, departure: Any) -> None:
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.get_by_role("heading", level=1, name="Base 11/19 et terrils jumeaux").wait_for()
    to_departure_month(page, departure)


def test_a_town_hall_of_forty_books_a_private_date_led_by_two_guides(
    page: Any, live_server: Any
) -> None:
    departure = _departure(site_capacity=200)
    make_guide(languages=["fr"])
    _open(page, departure)
    size = page.locator("#avail-size")
    size.fill("40")
    # The calendar asks again with the size typed, without leaving the field.
    expect(page.locator("#avail-size-note")).to_contain_text("une date privée est possible")
    expect(page.locator("#avail-size-note")).to_contain_text("2 guides")
    # Only one guide is free: each day says why, and the departure says its seats are too few.
    expect(page.locator(".day .why").first).to_contain_text("pas assez de guides")
    expect(page.locator(".day .why", has_text="30 places < 40")).to_have_count(1)
    assert page.locator("button.slot.private").count() == 0
    shoot(page, "large-group-why")
    make_guide(languages=["fr"])
    size.fill("39")  # a new size asks again
    page.locator("button.slot.private").first.wait_for()
    page.locator("button.slot.private").first.click()
    page.get_by_role("heading", name="Réserver").wait_for()
    assert page.locator("#b-participants").input_value() == "39"
    fill_invoice_form(page)
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.wait_for_url(re.compile(r"/bookings/VA-[A-Z0-9]{6}\?token="))
    page.locator("#status").wait_for()
    booking = Booking.objects.get()
    assert booking.participants == 39 and booking.departure.capacity == 39
    assert unexpected(page.problems) == []


def test_a_group_larger_than_the_sites_hold_is_offered_a_quote_on_a_phone(
    browser: Any, live_server: Any
) -> None:
    departure = _departure(site_capacity=35)
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.add_init_script("localStorage.setItem('va-lang', 'en')")
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.locator(".month .day").first.wait_for()
    # 75: two groups of 38 and 37 do not fit either (40 would, as two staggered groups).
    page.locator("#avail-size").fill("75")
    link = page.locator("#quote-request")
    expect(link).to_contain_text("Ask us for a quote")
    assert link.get_attribute("href").startswith(f"mailto:{settings.OFFICE_EMAIL}?subject=")
    # Said once above the grid, not on every day.
    expect(page.get_by_text("No dates this month for this group.")).to_be_visible()
    assert page.locator(".day .why").count() == 0
    shoot(page, "large-group-quote-phone")
    context.close()
