"""Two groups on staggered times in a real browser (issue 14 item 3): a town hall of 40 on an
itinerary whose sites take 25 at once books two groups 30 minutes apart, in French on a desktop
and in English on a 360 px phone, with a wrong size first."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from bookings.models import Booking
from itineraries.models import Itinerary
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import fill_invoice_form, unexpected
from tests.factories import ItineraryFactory, SiteFactory
from tests.guides.helpers import make_guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _itinerary() -> Itinerary:
    """Three stops of 30 minutes at sites of 25: the second group is always one site behind."""
    sites = [SiteFactory(max_visitors=25) for _ in range(3)]
    itinerary = cast(
        Itinerary,
        ItineraryFactory(
            slug="ville-pilote",
            title_fr="Ville pilote : de la mine au soleil",
            title_en="Pilot town: from the mine to the sun",
            min_participants=8,
            max_participants=20,
            price_per_person_cents=1500,
            minimum_charge_cents=15000,
            lead_time_days=2,
            languages=["fr", "en"],
            private_start_times=["09:00"],
            meeting_site=sites[0],
            stops=[
                {"site": site, "offset_minutes": i * 30, "duration_minutes": 30}
                for i, site in enumerate(sites)
            ],
        ),
    )
    make_guide(languages=["fr", "en"])
    make_guide(languages=["fr", "en"])
    return itinerary


def _to_first_staggered_slot(page: Any, next_month: str) -> Any:
    """The calendar's first month may lie within the lead time: move on until an offer shows."""
    slots = page.locator("button.slot.staggered")
    for _ in range(3):
        try:
            slots.first.wait_for(timeout=3000)
            return slots.first
        except PlaywrightTimeout:  # not in this month: try the next one
            page.get_by_role("button", name=next_month).click()
    slots.first.wait_for()
    return slots.first


def test_a_town_hall_of_forty_books_two_groups_thirty_minutes_apart(
    page: Any, live_server: Any
) -> None:
    _itinerary()
    page.goto("/itineraries/ville-pilote")
    page.get_by_role("heading", level=1, name="Ville pilote : de la mine au soleil").wait_for()
    page.locator(".month .day").first.wait_for()
    page.locator("#avail-size").fill("40")
    note = page.locator("#avail-size-note")
    expect(note).to_contain_text("deux groupes de 20 et 20 sont possibles")
    expect(note).to_contain_text("30 minutes après le premier")
    slot = _to_first_staggered_slot(page, "Mois suivant")
    expect(slot).to_contain_text("09:00 + 09:30")
    assert "Deux groupes de 20 et 20, à 09:00 et 09:30" in slot.get_attribute("aria-label")
    shoot(page, "staggered-offer")
    slot.click()
    page.get_by_role("heading", name="Réserver").wait_for()
    expect(page.locator("#split-note")).to_have_text(
        "Deux groupes : 20 et 20 participants, à 09:00 et 09:30."
    )
    # Card is not offered for two groups: the form says why.
    expect(page.get_by_text("Deux groupes décalés se réservent sur facture")).to_be_visible()
    assert page.locator('input[name="payment_method"][value="card"]').count() == 0
    fill_invoice_form(page)
    # Wrong input: 60 people make two groups of 30, more than the sites hold.
    page.locator("#b-participants").fill("60")
    expect(page.locator("#split-note")).to_contain_text("30 et 30")
    page.get_by_role("button", name="Envoyer la réservation").click()
    expect(page.locator("#b-split-error")).to_contain_text("Chaque groupe accueille")
    shoot(page, "staggered-form-error")
    assert not Booking.objects.exists()
    page.locator("#b-participants").fill("41")
    expect(page.locator("#split-note")).to_contain_text("21 et 20")
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.wait_for_url(re.compile(r"/bookings/VA-[A-Z0-9]{6}\?token="))
    companion = page.locator("#companion")
    expect(companion).to_contain_text("L'autre groupe")
    first = Booking.objects.select_related("companion").get(participants=21)
    second = first.companion
    assert second is not None and second.participants == 20 and second.companion == first
    expect(page.locator("#participants")).to_contain_text("21 participants")
    line = page.locator("#companion-line")
    expect(line).to_contain_text("Groupe de 20 participants")
    expect(line).to_contain_text("09:30")
    expect(line).to_contain_text(second.reference)
    shoot(page, "staggered-booking")
    page.locator("#companion-link").click()
    page.wait_for_url(re.compile(rf"/bookings/{second.reference}\?token="))
    expect(page.locator("#participants")).to_contain_text("20 participants")
    expect(page.locator("#companion-line")).to_contain_text(first.reference)
    assert unexpected(page.problems) == []


def test_two_groups_in_english_on_a_phone(browser: Any, live_server: Any) -> None:
    _itinerary()
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 360, "height": 800}
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.add_init_script("localStorage.setItem('va-lang', 'en')")
    page.goto("/itineraries/ville-pilote")
    page.locator(".month .day").first.wait_for()
    page.locator("#avail-size").fill("40")
    expect(page.locator("#avail-size-note")).to_contain_text(
        "two groups of 20 and 20 are possible, the second 30 minutes after the first"
    )
    slot = _to_first_staggered_slot(page, "Next month")
    assert "Two groups of 20 and 20, at 09:00 and 09:30" in slot.get_attribute("aria-label")
    slot.click()
    page.get_by_role("heading", name="Book").wait_for()
    expect(page.locator("#split-note")).to_have_text(
        "Two groups: 20 and 20 participants, at 09:00 and 09:30."
    )
    page.get_by_label("Organisation name").fill("Town hall of Arras")
    page.get_by_label("Full name").fill("Claire Martin")
    page.get_by_label("E-mail").fill("claire@example.org")
    page.get_by_label(re.compile(r"^Address( \(required\))?$")).fill("Place des Héros")
    page.get_by_label(re.compile(r"^Postal code")).fill("62000")
    page.get_by_label(re.compile(r"^City")).fill("Arras")
    page.get_by_label("I accept the terms of sale").check()
    page.screenshot(path="var/screenshots/staggered-form-en-phone.png", full_page=True)
    page.get_by_role("button", name="Send the booking").click()
    page.wait_for_url(re.compile(r"/bookings/VA-[A-Z0-9]{6}\?token="))
    expect(page.locator("#companion")).to_contain_text("The other group")
    expect(page.locator("#companion-line")).to_contain_text("Group of 20 participants")
    page.screenshot(path="var/screenshots/staggered-booking-en-phone.png", full_page=True)
    assert Booking.objects.filter(companion__isnull=False).count() == 2
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert unexpected(problems) == []
    context.close()
