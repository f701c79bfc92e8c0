"""A booking funded as professional training (issue 16, item 5): the flag, set from an accepted
training quote (procurement) or by staff in the admin, audited in the booking's trail."""

from __future__ import annotations

from django.db import transaction

from bookings.invalidation import booking_written
from bookings.models import Booking
from bookings.services.base import Actor, _event, lock_booking


@transaction.atomic
def booking_set_training(*, booking_id: int, training: bool, actor: Actor, reason: str) -> Booking:
    """Mark the booking as (or no longer as) professional training; ``reason`` says where the
    change comes from (``quote D2026-000001``, ``admin``). Locks the departure, then the booking
    (``lock_booking``). Idempotent: no event when nothing changes. The price is not touched (an
    exempt training booking's invoices leave the VAT out: ``invoicing.training``)."""
    locked = lock_booking(booking_id=booking_id)
    if locked.training == training:
        return locked
    locked.training = training
    locked.save(update_fields=["training", "updated_at"])
    booking_written(locked)
    _event(locked, actor, "training_set", training=training, reason=reason)
    return locked
