"""Certified delivery in the admin, in a real browser: a public buyer's quoted booking cannot be
invoiced before its service is certified; staff certify it from the quotes' list (once), then
issue the invoice, due within the quote's days. French, at desktop and phone widths."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from bookings.models import Booking
from invoicing.models import Invoice
from procurement.models import Quote, ServiceCertification
from tests.bookings.helpers import bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_admin_journey import act_on, sign_in
from tests.procurement.helpers import quote_body, visit_took_place

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quoted() -> Booking:
    api = APIClient()
    created = api.post("/api/v1/quotes/", quote_body(bookable_departure()), format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    accepted = api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Secrétaire générale", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert accepted.status_code == 200, accepted.content
    booking = Booking.objects.get(reference=accepted.json()["booking"])
    visit_took_place(booking)
    return booking


def certify_from_the_list(page: Any, quote: Quote) -> None:
    page.goto("/admin/procurement/quote/")
    page.locator(f"input[name=_selected_action][value='{quote.pk}']").check()
    page.locator("select[name=action]").select_option("certify_service")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()


def test_staff_certify_the_service_then_invoice_the_public_buyer(
    page: Any, quoted: Booking
) -> None:
    quote = Quote.objects.get(booking=quoted)
    sign_in(page)

    act_on(page, quoted, "issue_full_invoice")
    messages = page.locator(".messagelist")
    expect(messages).to_contain_text(f"Le devis {quote.number} est celui d'un acheteur public")
    expect(messages).to_contain_text("constatez le service fait")
    assert not Invoice.objects.exists()

    certify_from_the_list(page, quote)
    expect(page.locator(".messagelist")).to_contain_text("1 service fait constaté")
    certify_from_the_list(page, quote)  # again: nothing changes
    expect(page.locator(".messagelist")).to_contain_text("(1 l'étaient déjà)")
    assert ServiceCertification.objects.count() == 1

    page.goto(f"/admin/procurement/quote/{quote.pk}/change/")
    content = page.locator("#content")
    expect(content).to_contain_text("Service fait")
    expect(content).to_contain_text("par claire-admin")
    expect(content).to_contain_text("service_certified")
    shoot(page, "admin-quote-service-done-fr")

    act_on(page, quoted, "issue_full_invoice")
    invoice = Invoice.objects.get()
    expect(page.locator(".messagelist")).to_contain_text(f"facture {invoice.number} émise")
    assert invoice.due_date == invoice.issue_date + timedelta(days=30)
    assert invoice.payment_terms_note.startswith(f"Devis {quote.number} : paiement par virement")
