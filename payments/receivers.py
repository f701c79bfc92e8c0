"""Receivers of the bookings app's signals: a cancellation refunds what the policy grants, a
smaller group what it paid beyond its new price.

Both are recorded as outbox rows (``core.outbox``) inside the booking's own transaction and
carried out after commit by the outbox's task (or its periodic sweep), so that a process that
dies after the commit cannot leave a cancelled booking without its refund.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from bookings.models import Booking, BookingEvent
from bookings.signals import booking_cancelled_in_transaction, booking_changed_in_transaction
from core import outbox
from core.errors import DomainError
from payments import refunds

logger = logging.getLogger(__name__)

REFUND_CANCELLATION = "payments.refund_cancellation"
REFUND_EXCESS = "payments.refund_excess"


@receiver(booking_cancelled_in_transaction)
def record_cancellation_refund(
    sender: Any, booking: Booking, refund_cents: int = 0, **kwargs: Any
) -> None:
    if refund_cents > 0:
        outbox.consequence_record(
            handler=REFUND_CANCELLATION,
            key=f"refund:cancellation:{booking.pk}",  # a booking is cancelled once
            payload={"booking_id": booking.pk, "refund_cents": refund_cents},
        )


@receiver(booking_changed_in_transaction)
def record_reduction_refund(
    sender: Any, booking: Booking, event: BookingEvent, **kwargs: Any
) -> None:
    outbox.consequence_record(
        handler=REFUND_EXCESS,
        key=f"refund:change:{booking.pk}:{event.pk}",
        payload={"booking_id": booking.pk},
    )


@outbox.register(REFUND_CANCELLATION)
def refund_cancelled_booking(*, booking_id: int, refund_cents: int) -> None:
    """Card payments are refunded through Stripe (a task, after this commits), offline ones are
    recorded as owed for staff to pay back. Idempotent (one cancellation refund per booking)."""
    refunds.refunds_for_cancellation(booking_id=booking_id, refund_cents=refund_cents)


@outbox.register(REFUND_EXCESS)
def refund_reduced_booking(*, booking_id: int) -> None:
    """Fewer participants may leave money beyond the price. Idempotent: only the excess not
    already being refunded is refunded. A refusal is logged: retrying would not change it."""
    try:
        refunds.refunds_for_excess(booking_id=booking_id)
    except DomainError:
        logger.exception("No refund for the reduction of booking %s", booking_id)
