"""The administrator's journey in the Django admin, in a real browser: sign in, confirm a
requested booking, record a bank transfer (confirming a mismatching amount), issue the invoices
and a credit note, download the accounting export; money in euros, times in Europe/Paris, at
phone and desktop widths, in French (and in English, which the admin follows per browser)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from bookings.models import Booking
from invoicing.models import Invoice, InvoiceKind
from payments.models import Payment
from tests.bookings.helpers import book, bookable_departure
from tests.e2e.conftest import SCREENSHOTS, shoot
from tests.e2e.test_frontend import unexpected
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-admin-password"


@pytest.fixture
def requested() -> Booking:
    """A public body's request for 12 people, 20 days ahead, made over the API as the form does."""
    response = book(APIClient(), bookable_departure(capacity=30, days=20), participants=12)
    assert response.status_code == 201, response.content
    return Booking.objects.get(reference=response.json()["reference"])


def sign_in(page: Any) -> None:
    user = UserFactory(username="claire-admin", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("claire-admin")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


@pytest.mark.skipif(not os.environ.get("ADMIN_SHOTS"), reason="screenshots on demand only")
def test_screenshots_of_the_admin_booking_page_and_the_offline_payment_form(
    page: Any, requested: Booking
) -> None:
    """``ADMIN_SHOTS=before|after``: the pair of screenshots the issue asks for."""
    stage = os.environ["ADMIN_SHOTS"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sign_in(page)
    page.goto(f"/admin/bookings/booking/{requested.pk}/change/")
    page.screenshot(path=str(SCREENSHOTS / f"{stage}-admin-booking.png"), full_page=True)
    page.goto("/admin/payments/payment/record-offline/")
    page.screenshot(path=str(SCREENSHOTS / f"{stage}-offline-payment.png"), full_page=True)


def act_on(page: Any, booking: Booking, action: str) -> None:
    """Tick the booking in the list, choose the action, run it."""
    page.goto("/admin/bookings/booking/")
    page.locator(f"input[name=_selected_action][value='{booking.pk}']").check()
    page.locator("select[name=action]").select_option(action)
    page.locator("button[name=index]").click()
    page.wait_for_load_state()


def test_the_administrators_journey_in_french(
    page: Any, requested: Booking, tmp_path: Path
) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    sign_in(page)
    expect(page.locator("#content")).to_contain_text("Réservations")

    # The request, read in euros and in Paris time.
    page.goto(f"/admin/bookings/booking/{requested.pk}/change/")
    content = page.locator("#content")
    expect(content).to_contain_text("453,60\u00a0€")
    expect(content).to_contain_text("Prix unitaire")
    expect(content).not_to_contain_text("unit_price_cents")
    created = timezone.localtime(requested.created_at)
    expect(content).to_contain_text(f"{created:%H:%M}")
    shoot(page, "admin-booking-fr")

    # Confirm it.
    act_on(page, requested, "confirm")
    expect(page.locator(".messagelist")).to_contain_text("1 fait(s).")
    assert Booking.objects.get(pk=requested.pk).status == "confirmed"

    # The deposit invoice.
    act_on(page, requested, "issue_deposit_invoice")
    expect(page.locator(".messagelist")).to_contain_text("émise pour 136,08\u00a0€")

    # A transfer that matches nothing is asked about; the right amount goes through.
    page.goto(f"/admin/payments/payment/record-offline/?booking={requested.reference}")
    expect(page.locator("#content")).to_contain_text("Ce qui est dû")
    expect(page.locator("#content")).to_contain_text("136,08\u00a0€")
    page.locator("#id_method").select_option("bank_transfer")
    page.locator("#id_amount").fill("136,00")
    page.locator("#id_reference").fill("VIR-0042")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#content")).to_contain_text("ne correspond ni à l'acompte ni au solde")
    expect(page.locator("#content")).to_contain_text("Une partie de ce qui est dû")
    shoot(page, "admin-offline-payment-fr")
    assert not Payment.objects.exists()
    page.locator("#id_amount").fill("136,08")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messagelist")).to_contain_text("Enregistré : 136,08\u00a0€")
    deposit = Invoice.objects.get(booking=requested, kind=InvoiceKind.DEPOSIT)
    assert deposit.paid

    # The balance: its transfer issues the final invoice, paid.
    page.goto(f"/admin/payments/payment/record-offline/?booking={requested.reference}")
    page.locator("#id_method").select_option("bank_transfer")
    page.locator("#id_amount").fill("317,52")
    page.locator("#id_reference").fill("VIR-0043")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".messagelist")).to_contain_text("Enregistré : 317,52\u00a0€")
    final = Invoice.objects.get(booking=requested, kind=InvoiceKind.INVOICE)
    assert final.paid

    # The invoice reads as a document: PDF link, seller and buyer as tables, euros.
    page.goto(f"/admin/invoicing/invoice/{final.pk}/change/")
    content = page.locator("#content")
    expect(content).to_contain_text("317,52\u00a0€")  # the price less the deposit invoice
    expect(content).to_contain_text("Raison sociale")
    assert '{"' not in content.inner_text()
    pdf = page.request.get(f"/api/v1/invoices/{final.number}/pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # A credit note from the admin.
    page.get_by_role("link", name="Émettre un avoir").click()
    page.locator("#id_amount").fill("50,00")
    page.locator("#id_reason").fill("Geste commercial")
    page.get_by_role("button", name="Émettre l'avoir").click()
    expect(page.locator(".messagelist")).to_contain_text("émis pour 50,00\u00a0€")
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.credited_invoice == final

    # The accounting export.
    page.goto("/admin/invoicing/invoice/")
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger l'export comptable (CSV)").click()
    target = tmp_path / "export.csv"
    info.value.save_as(target)
    exported = target.read_text(encoding="utf-8")
    for invoice in (deposit, final, note):
        assert invoice.number in exported

    # On a phone: the forms are usable at 360 px.
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/admin/payments/payment/record-offline/?booking={requested.reference}")
    expect(page.locator("#id_amount")).to_be_visible()
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()
    # The browser's own favicon request is the only miss (the admin links none).
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    assert unexpected(page.problems) == []


def test_the_admin_follows_the_browser_language_in_english(
    browser: Any, live_server: Any, requested: Booking
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page)
        page.goto(f"/admin/bookings/booking/{requested.pk}/change/")
        expect(page.locator("#content")).to_contain_text("€453.60")
        expect(page.locator("#content")).to_contain_text("Unit price")
        page.goto(f"/admin/payments/payment/record-offline/?booking={requested.reference}")
        expect(page.locator("#content")).to_contain_text("What is due")
        shoot(page, "admin-offline-payment-en")
    finally:
        context.close()
