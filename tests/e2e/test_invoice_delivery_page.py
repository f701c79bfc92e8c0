"""The group's booking page says where each invoice went and how it stands at Chorus Pro, with a
rejection's reason (issue 17), French and English, at 390 and 1280 px."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import TestCase
from playwright.sync_api import expect

from bookings import services as booking_services
from bookings.models import Booking
from einvoicing import services as einvoicing_services
from einvoicing.chorus_pro import forget_tokens
from einvoicing.models import Delivery
from invoicing import services as invoicing_services
from tests.bookings.helpers import VALID_SIRET, book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_frontend import unexpected
from tests.fakes.chorus_pro import FakeChorusPro, chorus_pro  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Numéro d'engagement inconnu"


def _rejected_invoice(fake: FakeChorusPro) -> tuple[dict[str, Any], str]:
    forget_tokens()
    fake.add_structure(VALID_SIRET, name="Mairie d'Arras")
    fake.timeline("MISE_A_DISPOSITION", ("REJETEE", REASON))
    created = book(CommittingAPIClient(), bookable_departure(days=20), participants=12).json()
    booking = Booking.objects.get(reference=created["reference"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        booking_services.booking_confirm(booking=booking, actor=booking_services.Actor.system())
    invoice = invoicing_services.invoice_issue(booking=booking, kind="full")
    for _ in range(3):
        Delivery.objects.update(next_check_at=None)
        einvoicing_services.deliveries_follow()
    assert Delivery.objects.get(invoice=invoice).status == "rejected"
    return created, invoice.number


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_booking_page_shows_the_invoice_rejected_at_chorus_pro_with_its_reason(
    page: Any,
    chorus_pro: FakeChorusPro,  # noqa: F811
    lang: str,
) -> None:
    created, number = _rejected_invoice(chorus_pro)
    if lang == "en":
        page.add_init_script("localStorage.setItem('va-lang', 'en')")
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    section = page.locator("#deliveries")
    expect(section).to_contain_text(number)
    if lang == "fr":
        expect(section).to_contain_text("Facture")
        expect(section).to_contain_text("déposée dans Chorus Pro")
        expect(section.locator(".delivery-status")).to_have_text("rejetée")
        expect(section).to_contain_text(f"Motif : {REASON}")
        expect(section).to_contain_text("avoir et une nouvelle facture")
    else:
        expect(section).to_contain_text("deposited in Chorus Pro")
        expect(section.locator(".delivery-status")).to_have_text("rejected")
        expect(section).to_contain_text(f"Reason: {REASON}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in (("phone", 390), ("desktop", 1280)):
        page.set_viewport_size({"width": width, "height": 900})
        section.screenshot(path=str(SCREENSHOTS / f"invoice-delivery-{lang}-{label}.png"))
    assert unexpected(page.problems) == []
