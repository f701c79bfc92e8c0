"""Receivers: the bookings' signals (credit notes) and, when installed, payments' (invoices).

Credit notes are recorded as outbox rows (``core.outbox``) inside the booking's transaction and
issued after commit by the outbox's task (or its periodic sweep), so a crash after the commit
cannot lose them. A refusal (a ``DomainError``, e.g. nothing left to credit) is logged, never
raised: retrying would not change it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from bookings.models import Booking, BookingEvent
from bookings.signals import booking_cancelled_in_transaction, booking_changed_in_transaction
from core import outbox
from core.errors import DomainError
from core.models import Consequence
from invoicing import services
from invoicing.models import Invoice

logger = logging.getLogger(__name__)

CREDIT_CANCELLATION = "invoicing.credit_cancellation"
CREDIT_REDUCTION = "invoicing.credit_reduction"
INVOICE_FOR_PAYMENT = "invoicing.invoice_for_payment"


@receiver(pre_delete, sender=Invoice)
def refuse_invoice_delete(sender: Any, instance: Invoice, **kwargs: Any) -> None:
    """Also covers ``QuerySet.delete()``, which bypasses ``Invoice.delete()``."""
    raise PermissionError("An issued invoice is never deleted: issue a credit note.")


def _cancellation_key(booking_id: int) -> str:
    return f"credit:cancellation:{booking_id}"


@receiver(booking_cancelled_in_transaction)
def record_cancellation_credit(
    sender: Any, booking: Booking, refund_percent: int = 0, **kwargs: Any
) -> None:
    outbox.consequence_record(
        handler=CREDIT_CANCELLATION,
        key=_cancellation_key(booking.pk),  # a booking is cancelled once
        payload={"booking_id": booking.pk, "refund_percent": refund_percent},
    )


@receiver(booking_changed_in_transaction)
def record_reduction_credit(
    sender: Any, booking: Booking, event: BookingEvent, **kwargs: Any
) -> None:
    outbox.consequence_record(
        handler=CREDIT_REDUCTION,
        key=f"credit:change:{booking.pk}:{event.pk}",
        payload={"booking_id": booking.pk},
    )


@outbox.register(CREDIT_CANCELLATION)
def credit_on_cancellation(*, booking_id: int, refund_percent: int) -> None:
    """Not idempotent by itself (each run credits a share of what remains): the outbox runs it
    once, in one transaction with its row's ``done`` mark."""
    booking = Booking.objects.get(pk=booking_id)
    try:
        services.invoices_credit_cancellation(booking=booking, refund_percent=refund_percent)
    except DomainError:
        logger.exception("No credit note for the cancellation of %s", booking.reference)


@outbox.register(CREDIT_REDUCTION)
def credit_on_reduction(*, booking_id: int) -> None:
    """Idempotent: credits only what the invoices still claim beyond the price."""
    booking = Booking.objects.get(pk=booking_id)
    try:
        services.invoices_credit_reduction(booking=booking)
    except DomainError:
        logger.exception("No credit note for the change of %s", booking.reference)


@outbox.register(services.DELIVER_INVOICE, atomic=False)
def deliver_invoice(*, invoice_id: int) -> None:
    services.invoice_deliver(invoice_id=invoice_id)


def record_invoice_for_payment(sender: Any, payment: Any, **kwargs: Any) -> None:
    """``payments.signals.payment_succeeded_in_transaction``: the invoice of a payment is
    recorded in the payment's transaction (an outbox row), issued after commit."""
    outbox.consequence_record(
        handler=INVOICE_FOR_PAYMENT,
        key=f"invoice:payment:{payment.pk}",  # a payment succeeds once
        payload={
            "booking_id": payment.booking.pk,
            "kind": payment.kind,
            "amount_cents": payment.amount_cents,
            "paid_at": payment.paid_at.isoformat(),
        },
    )


@outbox.register(INVOICE_FOR_PAYMENT)
def invoice_on_payment(*, booking_id: int, kind: str, amount_cents: int, paid_at: str) -> None:
    """A payment issues its invoice, marked paid (or marks the one staff issued). Not
    idempotent by itself: the outbox runs it once, with its row's ``done`` mark."""
    booking = Booking.objects.select_related("departure__itinerary").get(pk=booking_id)
    before = set(booking.invoices.values_list("pk", flat=True))
    try:
        invoice = services.invoice_for_payment(
            booking=booking,
            kind=kind,
            amount_cents=amount_cents,
            paid_at=datetime.fromisoformat(paid_at),
        )
    except DomainError:
        logger.exception("No invoice for the payment of %s", booking.reference)
        return
    # The group cancelled before this invoice was issued and its credit note already ran (on
    # what was invoiced then): the new invoice's share is credited now. If the credit note has
    # not run yet, it will count this invoice (both lock the booking: one waits for the other).
    credited = (
        Consequence.objects.filter(key=_cancellation_key(booking.pk), done_at__isnull=False)
        .values_list("payload", flat=True)
        .first()
    )
    if invoice.pk not in before and credited is not None:
        services.invoice_credit_cancelled_share(
            invoice=invoice, refund_percent=int(credited["refund_percent"])
        )
