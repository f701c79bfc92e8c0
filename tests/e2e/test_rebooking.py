"""A group whose public departure was cancelled short of its minimum moves to another date from
its booking page in one step (issue 18, item 4), in a real browser: French and English, phone
and desktop widths, the terms left unticked first."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from bookings.models import Booking, Participant
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import unexpected
from tests.factories import schedule
from tests.visits.test_rebooking import _cancelled_short_of_minimum

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "fr": {
        "title": "Venir à une autre date",
        "why": "nombre minimal",
        "book": "Réserver le",
        "terms": "Cochez cette case",
        "private": "Demander une date",
        "done": "autre date",
    },
    "en": {
        "title": "Come on another date",
        "why": "minimum number",
        "book": "Book",
        "terms": "Tick this box",
        "private": "Ask for a date",
        "done": "another date",
    },
}


def _fits(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_cancelled_group_moves_to_another_date_from_its_page(
    page: Any, live_server: Any, lang: str
) -> None:
    texts = TEXTS[lang]
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    created, departure = _cancelled_short_of_minimum(APIClient())
    later = schedule(departure.itinerary, days=34, capacity=30)
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    section = page.locator("#rebook-section")
    expect(section.get_by_role("heading", name=texts["title"])).to_be_visible()
    expect(section).to_contain_text(texts["why"])
    expect(page.locator("#rebook-private")).to_contain_text(texts["private"])
    buttons = page.locator("#rebook-dates button")
    expect(buttons).to_have_count(1)
    for width in (390, 1280):
        _fits(page, width)
    shoot(page, f"rebook-offer-{lang}")

    # The terms not accepted: said by the box, nothing booked.
    buttons.first.click()
    expect(page.locator("#b-terms_version-error")).to_contain_text(texts["terms"])
    assert not Booking.objects.filter(departure=later).exists()

    page.locator("#b-terms_version").check()
    buttons.first.click()
    # The page of the new booking (the old one's address matches the same pattern).
    page.wait_for_url(lambda url: "/bookings/VA-" in url and created["reference"] not in url)
    new = Booking.objects.get(departure=later)
    assert new.reference in page.url and new.reference != created["reference"]
    expect(page.get_by_role("heading", level=1)).to_contain_text(new.reference)
    assert Participant.objects.filter(booking=new).count() == 2
    shoot(page, f"rebook-moved-{lang}")

    # Back on the cancelled booking: it names the new one.
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    expect(page.locator("#rebook-done")).to_contain_text(texts["done"])
    expect(page.locator("#rebook-done a")).to_have_text(new.reference)
    expect(page.locator("#rebook-dates")).to_have_count(0)
    assert unexpected(page.problems) == []
