"""A payment received issues its invoice marked paid (receiver of
payments.payment_succeeded_in_transaction, which records it as an outbox row).

The signal is sent here with a stand-in payment, inside a transaction as the payments app
sends it; the invoice is issued once that commits."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from bookings.models import Booking
from bookings.services import Actor
from invoicing.models import Invoice, InvoiceKind
from tests.invoicing.helpers import cancel, confirmed_booking, issue, pdf_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("payments"), reason="the payments app is not installed"
    ),
]


@dataclass
class StandInPayment:
    booking: Booking
    amount_cents: int
    kind: str
    method: str = "card"
    paid_at: datetime | None = None
    pk: int = field(default_factory=itertools.count(1).__next__)


def _pay(booking: Booking, kind: str, amount_cents: int) -> None:
    from payments.signals import payment_succeeded_in_transaction

    payment = StandInPayment(booking, amount_cents, kind, paid_at=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        payment_succeeded_in_transaction.send(sender=StandInPayment, payment=payment)


def test_a_card_deposit_issues_the_deposit_invoice_marked_paid(staff_api: Any) -> None:
    booking = confirmed_booking()
    _pay(booking, "deposit", booking.price["deposit_cents"])
    (deposit,) = Invoice.objects.filter(booking=booking)
    assert deposit.kind == InvoiceKind.DEPOSIT
    assert deposit.total_incl_vat_cents == deposit.paid_cents == 20412
    assert deposit.paid and deposit.prepaid_cents == 20412
    assert deposit.amount_due_cents == 0
    text = pdf_text(staff_api.get(f"/api/v1/invoices/{deposit.number}/pdf").content)
    assert "Statut du paiement : acquittée" in text
    assert "Net à payer 0,00 €" in text

    _pay(booking, "balance", booking.total_cents - 20412)
    final = Invoice.objects.get(booking=booking, kind=InvoiceKind.INVOICE)
    assert final.purpose == "final"
    assert final.paid and final.amount_due_cents == 0


def test_a_payment_for_an_invoice_already_issued_marks_it_paid(staff_api: Any) -> None:
    booking = confirmed_booking()
    number = issue(staff_api, booking, "full").json()["number"]
    _pay(booking, "full", booking.total_cents)
    invoice = Invoice.objects.get(number=number)
    assert Invoice.objects.filter(booking=booking).count() == 1
    assert invoice.paid and invoice.paid_cents == booking.total_cents
    assert invoice.prepaid_cents == 0  # the issued document does not change
    assert staff_api.get(f"/api/v1/invoices/{number}/").json()["paid"] is True


def test_cancelling_after_a_paid_deposit_credits_exactly_what_is_refunded(staff_api: Any) -> None:
    """The whole flow with the real payments app: deposit received (its invoice issued, paid),
    cancellation at 50 %: the payments app refunds 102.06, the credit note gives back 102.06."""
    from payments.models import Refund
    from payments.services import payment_record_offline

    booking = confirmed_booking(
        itinerary={
            "cancellation_policy": [
                {"days_before": 60, "refund_percent": 100},
                {"days_before": 0, "refund_percent": 50},
            ]
        }
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        payment_record_offline(
            booking=booking,
            method="bank_transfer",
            amount_cents=booking.price["deposit_cents"],
            paid_on=timezone.localdate(),
            reference="VIR-0001",
            actor=Actor.system(),
        )
    (deposit,) = Invoice.objects.filter(booking=booking)
    assert deposit.kind == InvoiceKind.DEPOSIT and deposit.paid
    assert deposit.total_incl_vat_cents == 20412

    booking.refresh_from_db()
    result = cancel(booking)
    refunded = sum(r.amount_cents for r in Refund.objects.filter(payment__booking=booking))
    (note,) = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE)
    assert result.refund_cents == refunded == 10206
    assert note.total_incl_vat_cents == refunded
    assert note.credited_invoice == deposit


def test_a_payment_whose_invoice_comes_after_the_cancellation_is_invoiced_and_credited() -> None:
    """Money received is invoiced even when the group cancelled before the outbox issued the
    payment's invoice (found by make load: the invoice was refused for the cancelled booking and
    the payment stayed without one). The cancellation's credit note, already run on nothing,
    leaves the invoice to credit its share when it comes."""
    from core.outbox import consequences_sweep
    from payments.signals import payment_succeeded_in_transaction

    booking = confirmed_booking(
        itinerary={
            "cancellation_policy": [
                {"days_before": 60, "refund_percent": 100},
                {"days_before": 0, "refund_percent": 50},
            ]
        }
    )
    deposit_cents = booking.price["deposit_cents"]
    payment = StandInPayment(booking, deposit_cents, "deposit", paid_at=timezone.now())
    with transaction.atomic():  # recorded, its after-commit task not run: the outbox is late
        payment_succeeded_in_transaction.send(sender=StandInPayment, payment=payment)
    booking.refresh_from_db()
    cancel(booking)
    assert not Invoice.objects.filter(booking=booking).exists()

    consequences_sweep()

    (deposit,) = Invoice.objects.filter(booking=booking, kind=InvoiceKind.DEPOSIT)
    assert deposit.paid and deposit.total_incl_vat_cents == deposit_cents
    (note,) = Invoice.objects.filter(booking=booking, kind=InvoiceKind.CREDIT_NOTE)
    assert abs(note.total_incl_vat_cents) == deposit_cents // 2
    # The sweep again: nothing more is issued or credited.
    consequences_sweep()
    assert Invoice.objects.filter(booking=booking).count() == 2
