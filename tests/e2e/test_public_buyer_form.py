"""The booking form asks a buyer registered in Chorus Pro for what its structure requires
(service code, commitment number), before it books; with the portal stopped it says so and
the booking still goes ahead (issue 17). French and English, at 390 and 1280 px."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from einvoicing.chorus_pro import forget_tokens
from tests.bookings.helpers import VALID_SIRET
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_frontend import (  # noqa: F401  (departure is a fixture)
    departure,
    fill_invoice_form,
    months_ahead,
    open_first_slot,
    unexpected,
)
from tests.fakes.chorus_pro import FakeChorusPro, chorus_pro  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SERVICES = [
    {"codeService": "CULT-01", "libelleService": "Direction de la culture", "estActif": True},
    {"codeService": "OLD", "libelleService": "Ancien service", "estActif": False},
]


def _shots(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in (("phone", 390), ("desktop", 1280)):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _strict(fake: FakeChorusPro) -> None:
    forget_tokens()
    fake.add_structure(
        VALID_SIRET,
        name="Mairie d'Arras",
        service_code_required=True,
        commitment_required=True,
        services=SERVICES,
    )


def test_the_form_asks_for_the_service_code_and_commitment_the_structure_requires(
    page: Any,
    departure: Any,  # noqa: F811
    chorus_pro: FakeChorusPro,  # noqa: F811
) -> None:
    _strict(chorus_pro)
    open_first_slot(page, departure)
    fill_invoice_form(page)
    note = page.locator("#buyer-lookup")
    expect(note).to_contain_text("Mairie d'Arras reçoit ses factures dans Chorus Pro")
    expect(note).to_contain_text("exige un code service")
    expect(note).to_contain_text("exige un numéro d'engagement")
    expect(note).to_contain_text("CULT-01 (Direction de la culture)")
    assert "OLD" not in note.inner_text()  # inactive services are not offered
    expect(page.locator("label[for=b-billing-service_code]")).to_contain_text("(obligatoire)")
    expect(page.locator("label[for=b-billing-purchase_order]")).to_contain_text("(obligatoire)")
    _shots(page, "public-buyer-asked-fr")

    # Sent without them: the page, which now marks them required, names both fields at once
    # (the API refuses the same request too: tests/einvoicing/test_public_buyers.py); nothing
    # is booked.
    page.get_by_role("button", name="Envoyer la réservation").click()
    expect(page.locator("#b-billing-service_code-error")).to_have_text("Ce champ est obligatoire.")
    expect(page.locator("#b-billing-purchase_order-error")).to_have_text(
        "Ce champ est obligatoire."
    )
    assert not Booking.objects.exists()
    _shots(page, "public-buyer-refused-fr")

    page.locator("#b-billing-service_code").fill("CULT-01")
    page.locator("#b-billing-purchase_order").fill("EJ-2026-0042")
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.wait_for_url(re.compile(r"/bookings/VA-[A-Z0-9]{6}\?token="))
    booking = Booking.objects.get()
    assert (booking.service_code, booking.purchase_order) == ("CULT-01", "EJ-2026-0042")
    assert unexpected(page.problems) == []


def test_in_english_and_with_the_portal_stopped_the_group_is_told_and_still_books(
    page: Any,
    departure: Any,  # noqa: F811
    chorus_pro: FakeChorusPro,  # noqa: F811
) -> None:
    _strict(chorus_pro)
    page.add_init_script("localStorage.setItem('va-lang', 'en')")
    page.goto("/")
    page.get_by_role("link", name=re.compile("Base 11")).click()
    page.get_by_role("heading", level=1).wait_for()
    page.locator(".month .day").first.wait_for()
    for _ in range(months_ahead(departure)):
        before = page.locator(".month-title").inner_text()
        page.get_by_role("button", name="Next month").click()
        expect(page.locator(".month-title")).not_to_have_text(before)
    page.locator("button.slot:not(.private)").first.click()
    page.get_by_label("SIRET (14 digits)").fill(VALID_SIRET)
    note = page.locator("#buyer-lookup")
    expect(note).to_contain_text("Your structure requires a service code")
    expect(page.locator("label[for=b-billing-service_code]")).to_contain_text("(required)")
    _shots(page, "public-buyer-asked-en")

    # A SIRET whose check digit is wrong: the lookup's own message, under the field.
    page.get_by_label("SIRET (14 digits)").fill("21620041600017")
    expect(note).to_contain_text("check digit")
    expect(page.locator("label[for=b-billing-service_code]")).not_to_contain_text("(required)")

    chorus_pro.stop()
    page.get_by_label("SIRET (14 digits)").fill("21590350100017")
    expect(note).to_contain_text("Chorus Pro is not answering right now")
    _shots(page, "public-buyer-unknown-en")
    page.get_by_label("Organisation name").fill("Mairie de Lille")
    page.get_by_label("Type").select_option("public_body")
    page.get_by_label("Full name").fill("Claire Martin")
    page.get_by_label("E-mail").fill("claire@example.org")
    page.get_by_label(re.compile(r"^Address( \(required\))?$")).fill("Place Augustin Laurent")
    page.get_by_label("Postal code").fill("59000")
    page.get_by_label("City").fill("Lille")
    page.locator("#b-terms_version").check()
    page.get_by_role("button", name=re.compile("Send")).click()
    page.wait_for_url(re.compile(r"/bookings/VA-[A-Z0-9]{6}\?token="))
    assert Booking.objects.get().siret == "21590350100017"
    assert unexpected(page.problems) == []
