"""The admin for daily work: French, euros (never cents), times in Europe/Paris, readable
snapshots, changes and payments through the services (audited as staff)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from bookings.models import Booking, BookingEvent
from invoicing.models import Invoice, InvoiceKind
from payments.models import Payment
from tests.bookings.helpers import book, bookable_departure
from tests.factories import UserFactory
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

OFFLINE = "/admin/payments/payment/record-offline/"


@pytest.fixture
def boss() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def requested(api: Any) -> Booking:
    response = book(api, bookable_departure(capacity=30, days=20), participants=12)
    assert response.status_code == 201, response.content
    return Booking.objects.get(reference=response.json()["reference"])


def test_an_event_reads_its_time_in_europe_paris(requested: Booking) -> None:
    event = BookingEvent.objects.filter(booking=requested).first()
    assert event is not None
    paris = event.at.astimezone(ZoneInfo("Europe/Paris"))
    assert str(event).startswith(f"{paris:%d/%m/%Y %H:%M}")


def test_the_booking_page_shows_euros_and_a_price_table_in_french(
    boss: Client, requested: Booking
) -> None:
    page = boss.get(f"/admin/bookings/booking/{requested.pk}/change/").content.decode()
    assert "453,60\u00a0€" in page  # total
    assert "Prix unitaire" in page and "15,00\u00a0€" in page  # the price, as a table
    assert "unit_price_cents" not in page and "45360" not in page
    assert "Nom du contact" in page and "Type d&#x27;organisme" in page  # labels in French
    assert "Organisation type" not in page
    assert (
        "Confirmer les demandes sélectionnées"
        in boss.get("/admin/bookings/booking/").content.decode()
    )


def test_the_admin_follows_the_browser_language(requested: Booking) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(username="boss-en", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/bookings/booking/{requested.pk}/change/").content.decode()
    assert "€453.60" in page and "Unit price" in page


def test_staff_change_the_head_count_through_the_service_audited_as_staff(
    boss: Client, requested: Booking
) -> None:
    url = f"/admin/bookings/booking/{requested.pk}/change/"
    form = {
        "participants": 15,
        "contact_name": "Claire Martin",
        "contact_email": "claire.martin@example.org",
        "contact_phone": "+33 6 12 34 56 78",
        "notes": "",
        "events-TOTAL_FORMS": 0,
        "participant_entries-TOTAL_FORMS": 0,
        "participant_entries-INITIAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = boss.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    requested.refresh_from_db()
    assert requested.participants == 15
    assert requested.total_cents == requested.price["total_cents"] == 56700  # 15 x 37,80 TTC
    assert requested.contact_email == "claire.martin@example.org"
    event = requested.events.filter(action="changed").get()
    assert event.actor_kind == "staff" and event.actor is not None
    assert "participants" in event.data["fields"]


def test_the_offline_form_takes_euros_shows_what_is_due_and_asks_on_a_mismatch(
    boss: Client,
) -> None:
    booking = confirmed_booking()  # 680,40 € incl. VAT, deposit 204,12 €
    page = boss.get(f"{OFFLINE}?booking={booking.reference}").content.decode()
    assert "680,40\u00a0€" in page and "204,12\u00a0€" in page
    form = {
        "booking": booking.reference,
        "method": "bank_transfer",
        "amount": "100,00",
        "date": timezone.localdate().isoformat(),
        "reference": "VIR-1",
    }
    asked = boss.post(OFFLINE, form)
    assert asked.status_code == 200 and not Payment.objects.exists()
    assert "ne correspond ni à l" in asked.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = boss.post(OFFLINE, {**form, "confirm_mismatch": "on"})
    assert done.status_code == 302
    assert Payment.objects.get().amount_cents == 10000


def test_the_offline_form_records_the_deposit_without_asking(boss: Client) -> None:
    booking = confirmed_booking()
    form = {
        "booking": booking.reference,
        "method": "bank_transfer",
        "amount": "204,12",
        "date": timezone.localdate().isoformat(),
        "reference": "VIR-2",
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert boss.post(OFFLINE, form).status_code == 302
    assert Payment.objects.get().amount_cents == 20412


def test_an_invoice_page_has_its_pdf_and_readable_snapshots(boss: Client, staff_api: Any) -> None:
    booking = confirmed_booking()
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    page = boss.get(f"/admin/invoicing/invoice/{invoice.pk}/change/").content.decode()
    assert f"/api/v1/invoices/{number}/pdf" in page
    assert "680,40\u00a0€" in page
    assert '{"' not in page.split('id="content-main"')[1]  # no JSON blob
    listing = boss.get("/admin/invoicing/invoice/").content.decode()
    assert "/api/v1/invoices/export.csv" in listing


def test_staff_issue_a_credit_note_from_the_admin(boss: Client, staff_api: Any) -> None:
    booking = confirmed_booking()
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    url = f"/admin/invoicing/invoice/{invoice.pk}/credit-note/"
    assert boss.get(url).status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = boss.post(url, {"amount": "100,00", "reason": "Geste commercial"})
    assert response.status_code == 302
    note = Invoice.objects.get(kind=InvoiceKind.CREDIT_NOTE)
    assert note.credited_invoice == invoice and abs(note.total_incl_vat_cents) == 10000
    assert note.reason == "Geste commercial"


def test_a_refused_change_shows_why_and_writes_nothing(boss: Client, requested: Booking) -> None:
    url = f"/admin/bookings/booking/{requested.pk}/change/"
    form = {
        "participants": 31,  # more than the departure's 30 seats
        "contact_name": "Claire Martin",
        "contact_email": "claire@example.org",
        "contact_phone": "+33 6 12 34 56 78",
        "notes": "",
        "events-TOTAL_FORMS": 0,
        "participant_entries-TOTAL_FORMS": 0,
        "participant_entries-INITIAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
    }
    response = boss.post(url, form, follow=True)
    requested.refresh_from_db()
    assert requested.participants == 12
    assert not requested.events.filter(action="changed").exists()
    shown = [str(message) for message in response.context["messages"]]
    assert shown and not any("succès" in message for message in shown)


def test_technical_tables_sit_apart_from_daily_work(boss: Client) -> None:
    index = boss.get("/admin/").content.decode()
    technical = index.index("Technique")
    for name in ("Tentatives de connexion", "Événements Stripe", "Conséquences"):
        assert index.index(name) > technical
    assert index.index("Réservations") < technical
