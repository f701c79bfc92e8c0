"""Payment reminders of quoted bookings' invoices: before and after the due date, each stage
once, in the quote's language, with what the law adds to a late payment by buyer type."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking
from invoicing.models import Invoice
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

    (late,) = _send(due + timedelta(days=1), django_capture_on_commit_callbacks)
    assert late.subject.startswith(f"Relance : facture {invoice.number} échue le")
    body = " ".join(late.body.split())
    assert "taux de la Banque centrale européenne majoré de 8 points" in body
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

    other = _invoiced(api, "other", organisation=organisation, language="en")
    invoice_mark_paid(
        invoice=other, amount_cents=other.total_incl_vat_cents, paid_at=timezone.now()
    )
    assert _send(other.due_date + timedelta(days=2), django_capture_on_commit_callbacks) == []
    assert not InvoiceReminder.objects.filter(invoice=other).exists()
