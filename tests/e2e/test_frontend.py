"""The web app in a real browser: browse, book, manage the booking, languages, keyboard, phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from tests.bookings.helpers import VALID_SIRET, bookable_departure
from tests.e2e.conftest import shoot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def unexpected(problems: list[str]) -> list[str]:
    """Console errors, except the browser's own line for an expected 4xx API answer."""
    return [p for p in problems if "status of 4" not in p]


@pytest.fixture
def departure() -> Any:
    return bookable_departure(
        capacity=30,
        days=20,
        title_fr="Base 11/19 et terrils jumeaux",
        title_en="Base 11/19 and the twin slag heaps",
    )


def months_ahead(departure: Any) -> int:
    today = timezone.localdate()
    start = timezone.localtime(departure.starts_at)
    return (start.year - today.year) * 12 + start.month - today.month


def to_departure_month(page: Any, departure: Any, *, keyboard: bool = False) -> None:
    """Walk the availability calendar to the departure's month, waiting for each month."""
    title = page.locator(".month-title")
    page.locator(".month .day").first.wait_for()
    for _ in range(months_ahead(departure)):
        before = title.inner_text()
        if keyboard:
            tab_to(page, "document.activeElement.getAttribute('aria-label') === 'Mois suivant'")
            page.keyboard.press("Enter")
        else:
            page.get_by_role("button", name="Mois suivant").click()
        expect(title).not_to_have_text(before)
    page.locator("button.slot:not(.private)").first.wait_for()


def open_first_slot(page: Any, departure: Any) -> None:
    page.goto("/")
    page.get_by_role("link", name=re.compile("Base 11")).click()
    page.get_by_role("heading", level=1, name="Base 11/19 et terrils jumeaux").wait_for()
    to_departure_month(page, departure)
    page.locator("button.slot:not(.private)").first.click()


def fill_invoice_form(page: Any) -> None:
    page.get_by_label("Nom de l'organisation").fill("Mairie d'Arras")
    page.get_by_label("Type").select_option("public_body")
    page.get_by_label("SIRET (14 chiffres)").fill(VALID_SIRET)
    page.get_by_label("Nom et prénom").fill("Claire Martin")
    page.get_by_label("E-mail").fill("claire@example.org")
    page.get_by_label(re.compile(r"^Adresse( \(obligatoire\))?$")).fill("Place des Héros")
    page.get_by_label("Code postal").fill("62000")
    page.get_by_label("Ville").fill("Arras")
    page.get_by_label("J'accepte les conditions générales de vente").check()


def test_browse_book_by_invoice_and_see_the_booking(page: Any, departure: Any) -> None:
    page.goto("/")
    page.get_by_role("heading", level=1).wait_for()
    # The heading and introduction are drawn before the catalogue's answer arrives.
    page.locator(".card").first.wait_for()
    assert page.locator(".card").count() == 1
    shoot(page, "catalogue")
    open_first_slot(page, departure)
    page.get_by_role("heading", name="Réserver").wait_for()
    page.locator("#b-participants").fill("12")
    assert "€" in page.locator("#price-estimate").inner_text()
    fill_invoice_form(page)
    shoot(page, "itinerary")
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.wait_for_url(re.compile(r"/bookings/VA-[A-Z0-9]{6}\?token="))
    page.locator("#status").wait_for()
    assert page.locator("#status").inner_text() == "Demande en cours d'examen"
    assert "12 participants" in page.locator("#participants").inner_text()
    shoot(page, "booking")
    booking = Booking.objects.get()
    assert booking.participants == 12 and booking.status == BookingStatus.REQUESTED
    assert booking.siret == VALID_SIRET
    assert unexpected(page.problems) == []


def test_api_error_appears_next_to_its_field(page: Any, departure: Any) -> None:
    open_first_slot(page, departure)
    fill_invoice_form(page)
    page.get_by_label("SIRET (14 chiffres)").fill("21620041600017")
    page.get_by_role("button", name="Envoyer la réservation").click()
    error = page.locator("#b-organisation-siret-error")
    error.wait_for()
    assert "SIRET" in error.inner_text()
    assert page.get_by_label("SIRET (14 chiffres)").get_attribute("aria-invalid") == "true"
    assert Booking.objects.count() == 0
    assert unexpected(page.problems) == []


def test_language_switch_is_remembered(page: Any, departure: Any) -> None:
    page.goto("/")
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", level=1, name="Guided visits of the mining basin").wait_for()
    page.reload()
    page.get_by_role("heading", level=1, name="Guided visits of the mining basin").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("link", name=re.compile("twin slag heaps")).click()
    page.get_by_role("heading", level=1, name="Base 11/19 and the twin slag heaps").wait_for()
    assert unexpected(page.problems) == []


def test_change_participants_and_cancel_from_the_booking_page(page: Any, departure: Any) -> None:
    open_first_slot(page, departure)
    fill_invoice_form(page)
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.locator("#status").wait_for()
    page.locator("#change-participants").fill("15")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#participants")).to_contain_text("15 participants")
    assert Booking.objects.get().participants == 15
    page.locator("#cancel-open").click()
    terms = page.locator("#cancel-terms").inner_text()
    assert "50 %" in terms  # 20 days ahead: the 14-day tier of the default policy
    page.locator("#cancel-confirm").click()
    expect(page.locator("#status")).to_have_text("Annulée")
    assert Booking.objects.get().status == BookingStatus.CANCELLED
    assert unexpected(page.problems) == []


def test_invoice_booking_with_the_keyboard_only(page: Any, departure: Any) -> None:
    page.goto("/")
    page.get_by_role("heading", level=1).wait_for()
    page.locator(".card").first.wait_for()  # drawn after the heading, once the catalogue answers
    # The skip link, the brand, the header's links, the language switch, the filters, then the
    # first card's link.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.card') !== null"):
            break
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Base 11/19 et terrils jumeaux").wait_for()
    to_departure_month(page, departure, keyboard=True)
    tab_to(page, "document.activeElement.matches('button.slot:not(.private)')")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Réserver").wait_for()
    answers = {
        "b-organisation-name": "Collège Voltaire",
        "b-organisation-siret": "",
        "b-contact-name": "Paul Durand",
        "b-contact-email": "paul@example.org",
        "b-billing-address": "1 rue de la Mine",
        "b-billing-postal_code": "62750",
        "b-billing-city": "Loos-en-Gohelle",
    }
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if answers.get(focused):
            page.keyboard.type(answers.pop(focused))
        if focused == "b-terms_version":
            page.keyboard.press("Space")  # the terms of sale, accepted from the keyboard
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/bookings/VA-"))
    assert Booking.objects.get().organisation_name == "Collège Voltaire"
    assert unexpected(page.problems) == []


def tab_to(page: Any, condition: str, limit: int = 120) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(condition):
            return
    raise AssertionError(f"never reached with Tab: {condition}")


def test_pages_fit_a_phone_without_horizontal_scroll(page: Any, departure: Any) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/", f"/itineraries/{departure.itinerary.slug}"):
        page.goto(path)
        page.get_by_role("heading", level=1).wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)


def test_security_headers_on_the_app_shell(page: Any, departure: Any) -> None:
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "https://checkout.stripe.com" in csp
