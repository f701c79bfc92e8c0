"""What every booking service shares: who acts, the audit trail, the row locks in their order
(departure, then booking), the checks of a group against a departure, and the race tests' seams."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings import errors, tasks
from bookings.models import (
    ALLOWED_TRANSITIONS,
    ActorKind,
    Booking,
    BookingEvent,
    BookingStatus,
)
from bookings.selectors import (
    largest_private_group,
    seats_taken,
)
from bookings.terms import current_terms
from core.errors import Conflict, InvalidInput
from core.sql import CompiledQuery
from core.tasks import enqueue
from itineraries.models import Departure, Itinerary

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud safely

# Test-only switch for the negative control of the race tests; never changed in production.
_departure_lock_enabled: bool = True
# Test-only seam: called between counting the seats and writing, so that a race test can hold
# concurrent bookings there and show what the departure lock prevents.
_after_seat_count: Callable[[], None] | None = None
# Test-only seam: called between a transaction's first and second row lock, so that the lock
# order test can hold the hold-expiry job there while a cancellation takes its own locks.
_between_row_locks: Callable[[], None] | None = None
# Test-only switch for the negative control of the lock order test; never changed in production.
_expiry_lock_order_reversed: bool = False


@dataclass(frozen=True)
class Actor:
    kind: str
    user: Any = None

    @classmethod
    def group(cls) -> Actor:
        return cls(ActorKind.GROUP)

    @classmethod
    def staff(cls, user: Any) -> Actor:
        return cls(ActorKind.STAFF, user)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)


@dataclass(frozen=True)
class Cancellation:
    booking: Booking
    refund_percent: int
    refund_cents: int
    already_cancelled: bool = False


def new_reference() -> str:
    return "VA-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def _event(booking: Booking, actor: Actor, action: str, **data: Any) -> BookingEvent:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return BookingEvent.objects.create(
        booking=booking, actor_kind=actor.kind, actor=user, action=action, data=data
    )


def _after_commit(kind: str, booking: Booking, signal: Any = None, **kwargs: Any) -> None:
    """E-mail the group and tell the higher apps, once the transaction has committed."""

    def run() -> None:
        if signal is not None:
            signal.send(sender=Booking, booking=booking, **kwargs)
        enqueue(tasks.send_booking_email, booking.pk, kind)

    transaction.on_commit(run)


def _departure_with_itinerary(departure_id: int, *, lock: bool) -> QuerySet[Departure]:
    qs = Departure.objects.select_related("itinerary").filter(pk=departure_id).order_by()
    return qs.select_for_update(of=("self",)) if lock else qs


# The departure row a booking locks, with its itinerary: compiled once per thread (core.sql).
_locked_departure = CompiledQuery(partial(_departure_with_itinerary, lock=True), Departure._meta.pk)
_unlocked_departure = CompiledQuery(
    partial(_departure_with_itinerary, lock=False), Departure._meta.pk
)


def _lock_departure_row(departure_id: int) -> Departure:
    query = _locked_departure if _departure_lock_enabled else _unlocked_departure
    departure = query.get(departure_id)
    if departure is None:
        raise InvalidInput(
            errors.DEPARTURE_NOT_FOUND, _("This departure does not exist."), field="departure"
        )
    return departure


def _check_participants(itinerary: Itinerary, participants: int, *, private: bool = False) -> None:
    """A public departure takes groups up to ``max_participants``; a private date up to what
    its sites hold at once (``largest_private_group``), led by as many guides as it needs."""
    if private:
        largest = largest_private_group(itinerary)
        if itinerary.min_participants <= participants <= largest:
            return
        raise InvalidInput(
            errors.PARTICIPANTS_OUT_OF_RANGE,
            _(
                "A private visit of this itinerary takes %(min)d to %(max)d participants; for a "
                "larger group, ask us for a quote at %(email)s."
            )
            % {"min": itinerary.min_participants, "max": largest, "email": settings.OFFICE_EMAIL},
            field="participants",
        )
    if not itinerary.min_participants <= participants <= itinerary.max_participants:
        raise InvalidInput(
            errors.PARTICIPANTS_OUT_OF_RANGE,
            _("This itinerary takes groups of %(min)d to %(max)d participants.")
            % {"min": itinerary.min_participants, "max": itinerary.max_participants},
            field="participants",
        )


def _check_seats(
    departure: Departure,
    participants: int,
    exclude: int | None = None,
    exclude_hold: int | None = None,
) -> None:
    """Expects the departure row to be locked by the caller. ``exclude_hold``: the seat hold
    the write turns into a booking (its seats are the booking's)."""
    taken = seats_taken(
        departure_id=departure.pk, exclude_booking_id=exclude, exclude_hold_id=exclude_hold
    )
    if _after_seat_count is not None:
        _after_seat_count()
    left = max(departure.capacity - taken, 0)
    if participants > left:
        raise Conflict(
            errors.SOLD_OUT,
            ngettext(
                "Only %(left)d seat is left on this departure.",
                "Only %(left)d seats are left on this departure.",
                left,
            )
            % {"left": left}
            if left
            else _("This departure is fully booked."),
            field="participants",
            extra={"seats_left": left},
        )


def _transition(booking: Booking, target: str) -> None:
    if target not in ALLOWED_TRANSITIONS[booking.status]:
        raise Conflict(
            errors.INVALID_TRANSITION,
            _("A booking that is “%(status)s” cannot become “%(target)s”.")
            % {
                "status": BookingStatus(booking.status).label,
                "target": BookingStatus(target).label,
            },
            field="status",
            extra={"current_status": booking.status},
        )


def lock_booking(*, booking_id: int, departure_id: int | None = None) -> Booking:
    """Lock a booking's departure row, then the booking row: the one lock order of every app.

    Every transaction that writes a booking, or rows that hang off it, takes its locks through
    this helper, and a higher app locks its own rows after it (payments: the payment row, then
    a refund; invoicing: the invoice counter). With one order, two transactions on the same
    booking queue on its departure instead of each holding what the other waits for
    (tests/concurrency/test_lock_order.py). ``departure_id`` saves a read when the caller
    knows it (a booking never moves to another departure). Returns the booking, re-read under
    its lock, with its departure (read after the departure's lock) and itinerary.
    """
    if departure_id is None:
        departure_id = Booking.objects.values_list("departure_id", flat=True).get(pk=booking_id)
    _lock_departure_row(departure_id)
    if _between_row_locks is not None:
        _between_row_locks()
    return _lock_booking_row(booking_id)


def _lock_booking_row(booking_id: int) -> Booking:
    """The booking's row lock alone; only ``lock_booking`` (after the departure) takes it."""
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("departure__itinerary")
        .get(pk=booking_id)
    )


def _check_terms(version: str) -> None:
    """The group must have accepted the terms of sale in force (bookings.terms)."""
    current = current_terms()
    if version != current.version:
        raise InvalidInput(
            errors.TERMS_NOT_CURRENT,
            _(
                "The terms of sale in force are version %(version)s: read them and accept them "
                "to book."
            )
            % {"version": current.version},
            field="terms_version",
            extra={"current_version": current.version},
        )
