"""Receivers: the bookings' signals (credit notes) and, when installed, payments' (invoices).

Each runs after the sender's commit, in its own transaction. A refusal (a ``DomainError``, e.g.
nothing left to credit) is logged, never raised into the sender's flow.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import booking_cancelled, booking_changed
from core.errors import DomainError
from invoicing import services
from invoicing.models import Invoice

logger = logging.getLogger(__name__)


@receiver(pre_delete, sender=Invoice)
def refuse_invoice_delete(sender: Any, instance: Invoice, **kwargs: Any) -> None:
    """Also covers ``QuerySet.delete()``, which bypasses ``Invoice.delete()``."""
    raise PermissionError("An issued invoice is never deleted: issue a credit note.")


@receiver(booking_cancelled)
def credit_on_cancellation(
    sender: Any, booking: Booking, refund_percent: int = 0, **kwargs: Any
) -> None:
    try:
        services.invoices_credit_cancellation(booking=booking, refund_percent=refund_percent)
    except DomainError:
        logger.exception("No credit note for the cancellation of %s", booking.reference)


@receiver(booking_changed)
def credit_on_reduction(sender: Any, booking: Booking, **kwargs: Any) -> None:
    try:
        services.invoices_credit_reduction(booking=booking)
    except DomainError:
        logger.exception("No credit note for the change of %s", booking.reference)


def invoice_on_payment(sender: Any, payment: Any, **kwargs: Any) -> None:
    """``payments.signals.payment_succeeded``: a card payment issues its invoice, marked paid."""
    try:
        services.invoice_for_payment(
            booking=payment.booking,
            kind=payment.kind,
            amount_cents=payment.amount_cents,
            paid_at=payment.paid_at,
        )
    except DomainError:
        logger.exception("No invoice for the payment of %s", payment.booking.reference)
