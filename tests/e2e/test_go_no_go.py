"""A public departure's minimum in the catalogue (issue 18, item 4), in a real browser: the
calendar says how many more participants it needs, the booking form says what this group's
size leaves to find and when it is decided, and follows the size typed (wrong input too);
French and English, at phone and desktop widths."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from itineraries.models import Itinerary
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import to_departure_month

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def departure() -> Any:
    departure = bookable_departure(
        capacity=30,
        days=20,
        title_fr="Base 11/19 et terrils jumeaux",
        title_en="Base 11/19 and the twin slag heaps",
    )
    Itinerary.objects.filter(pk=departure.itinerary_id).update(
        departure_minimum=15, decision_days=7
    )
    book(CommittingAPIClient(), departure, participants=3)  # 12 more needed
    return departure


def _open_the_departure(page: Any, departure: Any, lang: str) -> Any:
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    to_departure_month(page, departure) if lang == "fr" else _to_month_en(page, departure)
    return page.locator("button.slot:not(.private)").first


def _to_month_en(page: Any, departure: Any) -> None:
    from tests.e2e.test_frontend import months_ahead

    title = page.locator(".month-title")
    page.locator(".month .day").first.wait_for()
    for _ in range(months_ahead(departure)):
        before = title.inner_text()
        page.get_by_role("button", name="Next month").click()
        expect(title).not_to_have_text(before)
    page.locator("button.slot:not(.private)").first.wait_for()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_calendar_and_the_form_say_what_the_departure_still_needs_in_french(
    page: Any, departure: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    slot = _open_the_departure(page, departure, "fr")
    expect(slot).to_contain_text("encore 12 pour confirmer")
    expect(page.locator(".go-rule")).to_contain_text("à partir de 15 participants")
    expect(page.locator(".go-rule")).to_contain_text("7 jours avant")
    slot.click()
    note = page.locator(".go-note")
    expect(note).to_contain_text("il en manquera encore 11")  # the form starts at 1
    expect(note).to_contain_text("Décision le")
    size = page.locator("#b-participants")
    size.fill("10")
    expect(note).to_contain_text("il en manquera encore 2")
    size.fill("14")
    expect(note).to_contain_text("atteint son minimum de 15 participants")
    size.fill("")  # wrong input: no size, no promise
    expect(page.locator(".go-note")).to_have_count(0)
    size.fill("-3")
    expect(page.locator(".go-note")).to_have_count(0)
    size.fill("4")
    expect(page.locator(".go-note")).to_contain_text("il en manquera encore 8")
    shoot(page, f"go-no-go-fr-{width}")
    assert not page.problems


def test_the_same_in_english(page: Any, departure: Any) -> None:
    slot = _open_the_departure(page, departure, "en")
    expect(slot).to_contain_text("12 more to confirm")
    expect(page.locator(".go-rule")).to_contain_text("from 15 participants")
    slot.click()
    page.locator("#b-participants").fill("10")
    expect(page.locator(".go-note")).to_contain_text("2 more will still be needed")
    expect(page.locator(".go-note")).to_contain_text("Decision on")
    shoot(page, "go-no-go-en")
    assert not page.problems
