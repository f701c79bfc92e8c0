"""Receivers of the bookings app's signals: a cancellation refunds what the policy grants."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import booking_cancelled
from payments import refunds


@receiver(booking_cancelled)
def refund_cancelled_booking(
    sender: Any, booking: Booking, refund_cents: int = 0, **kwargs: Any
) -> None:
    """Runs after the cancellation committed. Card payments are refunded through Stripe (after
    this transaction commits), offline ones are recorded as owed for staff to pay back.
    """
    if refund_cents > 0:
        refunds.refunds_for_cancellation(booking_id=booking.pk, refund_cents=refund_cents)
