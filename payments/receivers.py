"""Receivers of the bookings app's signals: a cancellation refunds what the policy grants, a
smaller group what it paid beyond its new price."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import booking_cancelled, booking_changed
from core.errors import DomainError
from payments import refunds

logger = logging.getLogger(__name__)


@receiver(booking_cancelled)
def refund_cancelled_booking(
    sender: Any, booking: Booking, refund_cents: int = 0, **kwargs: Any
) -> None:
    """Runs after the cancellation committed. Card payments are refunded through Stripe (after
    this transaction commits), offline ones are recorded as owed for staff to pay back.
    """
    if refund_cents > 0:
        refunds.refunds_for_cancellation(booking_id=booking.pk, refund_cents=refund_cents)


@receiver(booking_changed)
def refund_reduced_booking(sender: Any, booking: Booking, **kwargs: Any) -> None:
    """Runs after the change committed: fewer participants may leave money beyond the price.

    A refusal is logged, never raised into the change's answer (it has committed already).
    """
    try:
        refunds.refunds_for_excess(booking_id=booking.pk)
    except DomainError:
        logger.exception("No refund for the reduction of %s", booking.reference)
