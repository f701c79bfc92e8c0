"""Payment reminders of quoted bookings' invoices: before and after the due date, each stage
once, in the quote's language, with what the law adds to a late payment by buyer type."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking
from core.money import format_money
from invoicing.late_payment import half_year_start
from invoicing.models import EcbRate, Invoice
from invoicing.services import invoice_issue, invoice_mark_paid
from itineraries.models import Departure
from procurement.models import InvoiceReminder
from procurement.reminders import invoice_reminders_send
from tests.bookings.helpers import bookable_departure
from tests.procurement.helpers import certify_service, quote_body, visit_took_place

pytestmark = pytest.mark.django_db


def _invoiced(api: APIClient, slug: str = "base-11-19", **overrides: Any) -> Invoice:
    departure = bookable_departure(slug=slug)
    if overrides.get("language", "fr") != "fr":  # a departure guided in English
        Departure.objects.filter(pk=departure.pk).update(language=overrides["language"])
        departure.refresh_from_db()
    created = api.post("/api/v1/quotes/", quote_body(departure, **overrides), format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    accepted = api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Directrice", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert accepted.status_code == 200, accepted.content
    booking = Booking.objects.get(reference=accepted.json()["booking"])
    visit_took_place(booking)
    certify_service(booking.quote)
    return invoice_issue(booking=booking, kind="full")


def _send(on: Any, capture: Any) -> list[Any]:
    mail.outbox.clear()
    with capture(execute=True):
        invoice_reminders_send(today=on)
    return list(mail.outbox)


def test_a_public_buyer_is_reminded_once_before_and_once_after_the_due_date(
    api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = _invoiced(api)
    due = invoice.due_date

    assert _send(due - timedelta(days=4), django_capture_on_commit_callbacks) == []
    (soon,) = _send(due - timedelta(days=2), django_capture_on_commit_callbacks)
    assert soon.subject.startswith(f"Rappel : facture {invoice.number} à régler avant le")
    assert soon.to == ["claire@example.org"]
    assert soon.attachments[0][0] == f"{invoice.number}.pdf"
    assert "intérêts moratoires" not in soon.body
    assert _send(due - timedelta(days=1), django_capture_on_commit_callbacks) == []  # once

    EcbRate.objects.create(in_force_from=half_year_start(due + timedelta(days=1)), rate="4.00")
    (late,) = _send(due + timedelta(days=1), django_capture_on_commit_callbacks)
    assert late.subject.startswith(f"Relance : facture {invoice.number} échue le")
    body = " ".join(late.body.split())
    assert "taux de la Banque centrale européenne majoré de 8 points" in body
    # what is owed on the day of the run: 12 % a year for one day on the total, and 40 EUR
    total = invoice.total_incl_vat_cents
    interest = int((Decimal(total) * 12 / 36500).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    amount = format_money(interest, "fr", plain_spaces=True)
    assert f"soit 1 jour(s) de retard : intérêts {amount}" in body
    assert "taux de 12,00 % l'an : taux de la BCE de 4,00 % en vigueur le" in body
    assert "majoré de 8,00 points" in body
    owed = format_money(interest + 4000, "fr", plain_spaces=True)
    assert f"indemnité forfaitaire 40,00 €, soit {owed} en plus de la somme due" in body
    assert "indemnité forfaitaire pour frais de recouvrement de 40 €" in body
    assert "Code de commerce" not in body
    assert "EJ-2026-0042" in body  # the commitment number on the booking
    assert _send(due + timedelta(days=5), django_capture_on_commit_callbacks) == []
    assert sorted(InvoiceReminder.objects.values_list("stage", flat=True)) == [
        "due_soon",
        "overdue",
    ]


def test_a_company_reads_the_commercial_penalties_in_english_and_a_paid_invoice_is_left_alone(
    api: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    organisation = {**quote_body()["organisation"], "type": "company", "name": "Energies Ltd"}
    invoice = _invoiced(api, organisation=organisation, language="en")
    due = invoice.due_date

    (late,) = _send(due + timedelta(days=2), django_capture_on_commit_callbacks)
    assert late.subject.startswith(f"Reminder: invoice {invoice.number} was due on")
    body = " ".join(late.body.split())
    assert "fixed recovery indemnity of €40 (French Commercial Code, L441-10 and D441-5)" in body
    assert "European Central Bank" not in body
    # the seller's 10 points over the seeded ECB rate (2.15 % from June 2025 on, none later here)
    assert "2 day(s) late: interest €" in body
    assert "(at 12.15 % a year: the ECB rate of 2.15 % in force on" in body
    assert "plus 10.00 points" in body
    assert "fixed indemnity €40.00" in body

    other = _invoiced(api, "other", organisation=organisation, language="en")
    invoice_mark_paid(
        invoice=other, amount_cents=other.total_incl_vat_cents, paid_at=timezone.now()
    )
    assert _send(other.due_date + timedelta(days=2), django_capture_on_commit_callbacks) == []
    assert not InvoiceReminder.objects.filter(invoice=other).exists()
