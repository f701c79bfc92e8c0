"""What the office and the clock do to bookings: confirm, decline, expire holds, cancel those
of a cancelled departure."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import errors, signals
from bookings.invalidation import booking_written
from bookings.models import (
    ACTIVE_STATUSES,
    HELD_STATUSES,
    Booking,
    BookingStatus,
)
from bookings.services import base
from bookings.services.base import (
    Actor,
    _after_commit,
    _check_seats,
    _event,
    _lock_booking_row,
    _lock_departure_row,
    _transition,
    lock_booking,
)
from bookings.services.change import booking_cancel
from core.errors import Conflict
from itineraries import services as itinerary_services
from itineraries.models import Departure, DepartureKind


@transaction.atomic
def booking_confirm(*, booking: Booking, actor: Actor) -> Booking:
    """Staff confirm a request, or a payment confirms a card booking.

    Locks the departure row then the booking; re-checks seats when the hold has expired in the
    meantime (the seats may have gone). Idempotent for an already confirmed booking.
    """
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    departure = locked.departure
    if locked.status == BookingStatus.CONFIRMED:
        return locked
    _transition(locked, BookingStatus.CONFIRMED)
    if departure.kind == DepartureKind.PUBLIC:
        _check_seats(departure, locked.participants, exclude=locked.pk)
    locked.status = BookingStatus.CONFIRMED
    locked.hold_expires_at = None
    locked.sequence += 1
    locked.save(update_fields=["status", "hold_expires_at", "sequence", "updated_at"])
    booking_written(locked)
    _event(locked, actor, "confirmed")
    _after_commit("confirmed", locked, signals.booking_confirmed)
    return locked


@transaction.atomic
def booking_decline(*, booking: Booking, actor: Actor, reason: str = "") -> Booking:
    """Staff decline a request; a private departure is cancelled with it.

    Locks the departure row, then the booking."""
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    if locked.status == BookingStatus.DECLINED:
        return locked
    _transition(locked, BookingStatus.DECLINED)
    if locked.status != BookingStatus.REQUESTED:
        raise Conflict(
            errors.INVALID_TRANSITION, _("Only requests can be declined."), field="status"
        )
    locked.status = BookingStatus.DECLINED
    locked.hold_expires_at = None
    locked.save(update_fields=["status", "hold_expires_at", "updated_at"])
    booking_written(locked)
    _event(locked, actor, "declined", reason=reason)
    if locked.departure.kind == DepartureKind.PRIVATE:
        itinerary_services.departure_cancel(departure=locked.departure, by=actor.user)
    _after_commit("declined", locked)
    return locked


def bookings_expire_holds() -> int:
    """Mark the bookings whose hold has run out as expired and tell the groups.

    Seats were already free (expiry is lazy: an expired hold simply stops counting); this tidies
    the status, frees a private departure's sites, and sends the e-mail. One transaction per
    booking, so a long run never holds many locks. Each locks the departure, then the booking
    (``lock_booking``), like a cancellation of the same booking: taken the other way round, the
    two would wait on each other.
    """
    due = Booking.objects.filter(
        status__in=HELD_STATUSES, hold_expires_at__lte=timezone.now()
    ).values_list("pk", "departure_id")
    count = 0
    for pk, departure_id in list(due):
        with transaction.atomic():
            if base._expiry_lock_order_reversed:  # the negative control's old, wrong order
                locked = _lock_booking_row(pk)
                if base._between_row_locks is not None:
                    base._between_row_locks()
                _lock_departure_row(departure_id)
            else:
                locked = lock_booking(booking_id=pk, departure_id=departure_id)
            if locked.status not in HELD_STATUSES or locked.takes_seats():
                continue
            locked.status = BookingStatus.EXPIRED
            locked.sequence += 1
            locked.save(update_fields=["status", "sequence", "updated_at"])
            booking_written(locked)
            _event(locked, Actor.system(), "expired")
            if locked.departure.kind == DepartureKind.PRIVATE:
                itinerary_services.departure_cancel(departure=locked.departure)
            _after_commit("expired", locked, signals.booking_expired)
            count += 1
    return count


def bookings_cancel_for_departure(
    *, departure: Departure, by: Any = None, reason: str = ""
) -> list[Booking]:
    """A departure is being cancelled: every live booking on it is cancelled, fully refunded.

    Runs inside the departure's cancellation, with its row locked; locks each booking in turn.
    ``by`` is the staff user who cancels, or None for the system.
    """
    actor = Actor.staff(by) if by is not None else Actor.system()
    cancelled = []
    live = Booking.objects.filter(departure=departure, status__in=ACTIVE_STATUSES).order_by("pk")
    for booking in live:
        result = booking_cancel(booking=booking, actor=actor, reason=reason, full_refund=True)
        cancelled.append(result.booking)
    return cancelled
