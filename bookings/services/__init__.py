"""Writes to bookings, by topic: ``create``, ``change`` (change and cancel), ``office`` (confirm,
decline, expire, a cancelled departure's bookings), and ``base``, what they share (who acts, the
audit trail, the row locks and the race tests' seams, which tests set on ``base``).

No-oversell invariant: every service that takes seats locks the departure row first
(``select_for_update``), then counts, then writes, in one transaction. On SQLite the
IMMEDIATE transaction mode gives the same serialisation.
"""

from bookings.services.base import (
    REFERENCE_ALPHABET,
    Actor,
    Cancellation,
    lock_booking,
    new_reference,
)
from bookings.services.change import (
    booking_audit,
    booking_billing_change,
    booking_cancel,
    booking_change,
    booking_set_purchase_order,
    cancellation_terms,
)
from bookings.services.create import booking_create, booking_create_quoted
from bookings.services.holds import seat_hold_extend, seat_hold_place, seat_hold_release
from bookings.services.office import (
    booking_confirm,
    booking_decline,
    bookings_cancel_for_departure,
    bookings_expire_holds,
)

__all__ = [
    "REFERENCE_ALPHABET",
    "Actor",
    "Cancellation",
    "booking_audit",
    "booking_billing_change",
    "booking_cancel",
    "booking_change",
    "booking_confirm",
    "booking_create",
    "booking_create_quoted",
    "booking_decline",
    "booking_set_purchase_order",
    "bookings_cancel_for_departure",
    "bookings_expire_holds",
    "cancellation_terms",
    "lock_booking",
    "new_reference",
    "seat_hold_extend",
    "seat_hold_place",
    "seat_hold_release",
]
