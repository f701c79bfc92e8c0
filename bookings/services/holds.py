"""Seat holds: seats set aside on a public departure for what is not a booking yet.

An open quote (procurement) holds its seats until it expires. A hold is counted by the one seat
count (``bookings.selectors.seats_taken``, ``with_seats_taken``) through the hold rule written
next to the seat rule (``bookings.models.seat_hold_running_q``). Every service here that makes a
hold take seats locks the departure row first and counts, as a booking does, so a hold never
oversells; each one bumps the seats left (``bookings.invalidation.seat_hold_written``).

A hold becomes a booking through ``booking_create_quoted(hold_id=...)``, which counts without
it and releases it under the same departure lock (``release_hold_locked``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import errors
from bookings.invalidation import seat_hold_written
from bookings.models import SeatHold
from bookings.services.base import _check_seats, _lock_departure_row
from core.errors import Conflict
from itineraries.models import DepartureKind, DepartureStatus


@transaction.atomic
def seat_hold_place(
    *, departure_id: int, seats: int, expires_at: datetime, reason: str
) -> SeatHold:
    """Hold ``seats`` on a public departure until ``expires_at``; ``sold_out`` if they are not
    left (departure row locked, then counted, then inserted)."""
    departure = _lock_departure_row(departure_id)
    if departure.kind != DepartureKind.PUBLIC or departure.status != DepartureStatus.SCHEDULED:
        raise Conflict(
            errors.DEPARTURE_NOT_BOOKABLE,
            _("This departure is not open for booking."),
            field="departure",
        )
    _check_seats(departure, seats)
    hold = SeatHold.objects.create(
        departure=departure, seats=seats, expires_at=expires_at, reason=reason
    )
    seat_hold_written(created=True)
    return hold


@transaction.atomic
def seat_hold_extend(*, hold_id: int, expires_at: datetime) -> SeatHold:
    """Move a hold's end to ``expires_at``. A hold that still runs keeps its seats; one that
    expired or was released takes them again only if they are left (``sold_out`` otherwise)."""
    departure_id = SeatHold.objects.values_list("departure_id", flat=True).get(pk=hold_id)
    departure = _lock_departure_row(departure_id)
    hold = SeatHold.objects.select_for_update().get(pk=hold_id)
    if not hold.takes_seats():
        _check_seats(departure, hold.seats, exclude_hold=hold.pk)
    hold.expires_at = expires_at
    hold.released_at = None
    hold.save(update_fields=["expires_at", "released_at"])
    seat_hold_written()
    return hold


def release_hold_locked(*, hold_id: int, departure_id: int) -> None:
    """Release a hold of ``departure_id``, whose row the caller's transaction has locked."""
    released = SeatHold.objects.filter(
        pk=hold_id, departure_id=departure_id, released_at__isnull=True
    ).update(released_at=timezone.now())
    if released:
        seat_hold_written()


@transaction.atomic
def seat_hold_release(*, hold_id: int) -> bool:
    """Give the hold's seats back (declined or superseded quote); False if already released."""
    released = SeatHold.objects.filter(pk=hold_id, released_at__isnull=True).update(
        released_at=timezone.now()
    )
    if released:
        seat_hold_written()
    return bool(released)
