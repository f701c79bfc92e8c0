"""Retention on the money side: Stripe payloads pruned, paid bookings anonymised while their
invoices keep the buyer for ten years, erasure deferred while money is open."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone, translation

from bookings import retention
from bookings.models import Booking
from bookings.services import Actor
from core.errors import Conflict
from invoicing.models import Invoice
from payments import refunds
from payments.models import Refund, StripeEvent
from payments.retention import stripe_payload_pruned
from tests.bookings.helpers import book, bookable_departure
from tests.bookings.test_personal_data import _move_visit_back, run_beat_schedule
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event
from tests.payments.helpers import card_booking, only_payment

pytestmark = pytest.mark.django_db

EMAIL = "claire@example.org"


def _paid_card_booking(api: Any, fake: FakeStripe) -> Booking:
    """A card booking paid in full, with the customer's details that Stripe puts in the event."""
    body = card_booking(api, days=10)
    payment = only_payment(body["reference"])
    assert payment.stripe_checkout_session_id is not None
    session = fake.completed_session(payment.stripe_checkout_session_id)
    session["customer_details"] = {
        "email": EMAIL,
        "name": "Claire Martin",
        "phone": "+33612345678",
        "address": {"city": "Arras", "country": "FR", "line1": "Place des Héros"},
    }
    event = stripe_event("checkout.session.completed", session, "evt_paid")
    assert signed_webhook(api, event).json()["status"] == "processed"
    return Booking.objects.get(reference=body["reference"])


def test_stripe_payloads_keep_only_what_reconciliation_needs_after_the_window(
    api: Any, stripe_fake: FakeStripe
) -> None:
    booking = _paid_card_booking(api, stripe_fake)
    record = StripeEvent.objects.get(stripe_id="evt_paid")
    assert EMAIL in json.dumps(record.payload)  # kept while the office may still look at it
    run_beat_schedule()
    record.refresh_from_db()
    assert EMAIL in json.dumps(record.payload)

    StripeEvent.objects.filter(pk=record.pk).update(
        received_at=timezone.now() - timedelta(days=settings.RETENTION_STRIPE_PAYLOAD_DAYS + 1)
    )
    run_beat_schedule()
    record.refresh_from_db()
    dumped = json.dumps(record.payload)
    for personal in (EMAIL, "Claire Martin", "+33612345678", "Place des Héros", "Arras"):
        assert personal not in dumped
    session = record.payload["data"]["object"]
    payment = booking.payments.get()
    assert record.payload["id"] == "evt_paid"
    assert record.payload["type"] == "checkout.session.completed"
    assert session["id"] == payment.stripe_checkout_session_id
    assert session["payment_intent"] == payment.stripe_payment_intent_id
    assert session["amount_total"] == payment.amount_cents
    assert session["currency"] == "eur"
    assert session["payment_status"] == "paid" and session["status"] == "complete"
    assert session["metadata"] == {
        "booking_reference": booking.reference,
        "payment_id": str(payment.pk),
    }
    assert record.payload_pruned_at is not None

    pruned = record.payload
    run_beat_schedule()  # idempotent
    record.refresh_from_db()
    assert record.payload == pruned


def test_a_paid_booking_is_anonymised_after_three_years_and_its_invoice_keeps_the_buyer(
    api: Any, stripe_fake: FakeStripe
) -> None:
    booking = _paid_card_booking(api, stripe_fake)
    invoice = Invoice.objects.get(booking=booking)
    assert invoice.paid and invoice.buyer["contact_email"] == EMAIL
    _move_visit_back(booking, settings.RETENTION_BOOKING_CONTACT_DAYS + 1)
    run_beat_schedule()
    booking.refresh_from_db()
    assert (booking.contact_name, booking.contact_email, booking.contact_phone) == ("", "", "")
    invoice.refresh_from_db()
    assert invoice.buyer["contact_email"] == EMAIL  # Code de commerce L123-22: ten years
    assert invoice.buyer["name"] == "Mairie d'Arras"


def test_erasure_waits_for_an_owed_refund_to_be_paid_back(api: Any, staff_api: Any) -> None:
    body = book(api, bookable_departure(days=40)).json()
    url = f"/api/v1/bookings/{body['reference']}/"
    assert staff_api.post(url + "confirm/", {}, format="json").status_code == 200
    paid = staff_api.post(
        url + "payments/",
        {
            "method": "bank_transfer",
            "amount_cents": body["price"]["total_cents"],
            "date": timezone.localdate().isoformat(),
            "reference": "VIR-1",
        },
        format="json",
    )
    assert paid.status_code == 201, paid.content
    cancelled = api.post(url + "cancel/", {}, HTTP_X_BOOKING_TOKEN=body["token"])
    assert cancelled.status_code == 200 and cancelled.json()["refund_cents"] > 0
    booking = Booking.objects.get(reference=body["reference"])
    staff = Actor.staff(None)
    with pytest.raises(Conflict) as refused, translation.override("fr"):
        retention.booking_anonymise(booking=booking, actor=staff, reason=retention.REASON_REQUEST)
    assert refused.value.code == retention.ERASURE_MONEY_OPEN
    assert refused.value.extra["blocked_by"] == [
        {"code": "erasure_money_open", "message": "Un remboursement doit encore vous être versé."}
    ]

    refunds.refund_mark_paid(refund=Refund.objects.get(), actor=staff)
    retention.booking_anonymise(booking=booking, actor=staff, reason=retention.REASON_REQUEST)
    booking.refresh_from_db()
    assert booking.contact_email == "" and booking.anonymised_at is not None


def test_pruning_drops_billing_details_and_dispute_evidence_and_keeps_refund_ids() -> None:
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 45360,
        "amount_refunded": 45360,
        "currency": "eur",
        "status": "succeeded",
        "refunded": True,
        "payment_intent": {"id": "pi_1", "receipt_email": EMAIL},
        "billing_details": {"email": EMAIL, "name": "Claire Martin", "phone": "+336"},
        "receipt_email": EMAIL,
        "metadata": {"booking_reference": "VA-AAAAAA", "note": "Claire Martin"},
        "refunds": {
            "object": "list",
            "data": [{"id": "re_1", "amount": 45360, "status": "succeeded", "charge": "ch_1"}],
        },
        "evidence": {"customer_email_address": EMAIL, "customer_name": "Claire Martin"},
    }
    event = stripe_event("charge.refunded", charge, "evt_refund")
    pruned = stripe_payload_pruned(event)
    assert "Claire" not in json.dumps(pruned) and EMAIL not in json.dumps(pruned)
    assert pruned["data"]["object"] == {
        "id": "ch_1",
        "object": "charge",
        "amount": 45360,
        "amount_refunded": 45360,
        "currency": "eur",
        "status": "succeeded",
        "refunded": True,
        "payment_intent": "pi_1",
        "metadata": {"booking_reference": "VA-AAAAAA"},
        "refunds": {
            "data": [{"id": "re_1", "amount": 45360, "status": "succeeded", "charge": "ch_1"}]
        },
    }
    assert pruned["id"] == "evt_refund" and pruned["type"] == "charge.refunded"
    assert stripe_payload_pruned(pruned) == pruned
