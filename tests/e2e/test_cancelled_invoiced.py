"""Issue 14 item 5: an invoice booking cancelled after its deposit invoice was issued, and before
it was paid, shows the cancellation fee that stays invoiced and is still due, phone and desktop,
French and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import TestCase
from playwright.sync_api import expect

from bookings import services as booking_services
from bookings.models import Booking
from core.money import format_money
from invoicing import services as invoicing_services
from invoicing.models import Invoice, InvoiceKind
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.test_frontend import unexpected
from tests.e2e.test_journeys_pages import WIDTHS, english, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def invoiced_then_cancelled() -> tuple[dict[str, Any], int]:
    """A public body's booking confirmed, its deposit invoice issued and unpaid, then cancelled
    20 days ahead (the default policy gives back half): half the deposit stays invoiced."""
    departure = bookable_departure(capacity=30, days=20)
    client = CommittingAPIClient()
    created = book(client, departure, participants=12).json()
    booking = Booking.objects.get(reference=created["reference"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        booking_services.booking_confirm(booking=booking, actor=booking_services.Actor.system())
    deposit = invoicing_services.invoice_issue(booking=booking, kind=InvoiceKind.DEPOSIT)
    client.credentials(HTTP_X_BOOKING_TOKEN=created["token"])
    answer = client.post(
        f"/api/v1/bookings/{created['reference']}/cancel/",
        {},
        format="json",
        HTTP_IDEMPOTENCY_KEY="cancel-invoiced",
    )
    assert answer.status_code == 200, answer.content
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    fee = deposit.total_incl_vat_cents - note.total_incl_vat_cents
    assert 0 < fee < deposit.total_incl_vat_cents
    return created, fee


def _text(page: Any, selector: str) -> str:
    return str(page.locator(selector).inner_text()).replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_cancelled_invoice_booking_shows_the_fee_still_due(page: Any, width: str) -> None:
    created, fee = invoiced_then_cancelled()
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    expect(page.locator("#status")).to_have_text("Annulée")
    page.wait_for_load_state("networkidle")
    snap(page, f"cancelled-invoiced-booking-{width}")
    amount = format_money(fee, "fr").replace("\u202f", " ").replace("\xa0", " ")
    assert amount in _text(page, "#kept")
    assert amount in _text(page, "#invoiced-due")
    assert "reste à régler" in _text(page, "#cancel-summary")
    assert page.locator("#cancel-open, #change-participants").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]
    assert unexpected(page.problems) == []


def test_a_cancelled_invoice_booking_in_english(page: Any) -> None:
    created, fee = invoiced_then_cancelled()
    english(page)
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    expect(page.locator("#status")).to_have_text("Cancelled")
    amount = format_money(fee, "en").replace("\u202f", " ").replace("\xa0", " ")
    assert amount in _text(page, "#kept")
    assert amount in _text(page, "#invoiced-due")
    assert "still to pay" in _text(page, "#cancel-summary")
    snap(page, "cancelled-invoiced-booking-en")
    assert unexpected(page.problems) == []
