"""Changes only the office makes to a booking: moving it to another date.

Head count, contact and notes go through ``bookings.services.booking_change`` (the group's own
path, with the staff actor). A new date is staff work: the group calls or writes, the office
finds a date with the group and moves the booking here, with the same locks and seat checks as
a booking.

- A booking on a public departure moves to another scheduled public departure of the same
  itinerary, in the booking's language, with enough seats left.
- A private booking keeps its own departure, which moves to the new time through the catalogue's
  ``departure_reschedule`` (closed days, site occupancy, and the guides' re-check of their
  assignments through ``departure_changing``).

Invoices already issued are never edited (docs/invoicing.md, "A booking moved to another date").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import errors, signals
from bookings.invalidation import booking_written
from bookings.models import Booking
from bookings.selectors import seats_taken, with_seats_taken
from bookings.services import base as services
from core.errors import Conflict, InvalidInput
from itineraries import services as itinerary_services
from itineraries.models import Departure, DepartureKind, DepartureStatus

SAME_DATE = "same_date"
PRIVATE_NEEDS_TIME = "private_needs_starts_at"
PUBLIC_NEEDS_DEPARTURE = "public_needs_departure"
CHANGED_MEANWHILE = "changed_meanwhile"


@dataclass(frozen=True)
class Move:
    booking: Booking
    from_starts_at: datetime
    to_starts_at: datetime


def move_targets(booking: Booking) -> QuerySet[Departure]:
    """The public departures a booking may move to, soonest first, annotated with
    ``seats_taken_now`` (the caller keeps those with enough seats left)."""
    return with_seats_taken(
        Departure.objects.filter(
            itinerary_id=booking.departure.itinerary_id,
            kind=DepartureKind.PUBLIC,
            status=DepartureStatus.SCHEDULED,
            language=booking.language,
            starts_at__gt=timezone.now(),
        )
        .exclude(pk=booking.departure_id)
        .order_by("starts_at", "pk")
    )


def _lock_departures_then_booking(booking_id: int, departure_ids: list[int]) -> Booking:
    """Lock both departure rows in primary-key order, then the booking row.

    Two moves in opposite directions (A to B and B to A) take the same first lock, so they queue
    instead of each holding what the other waits for; a booking on either departure (which
    locks one departure, then its booking) never holds a departure that a move waits for while
    waiting for one the move holds, since the booking row comes last for everybody."""
    for departure_id in sorted(set(departure_ids)):
        services._lock_departure_row(departure_id)
    return services._lock_booking_row(booking_id)


def _check_movable(booking: Booking) -> None:
    if not booking.takes_seats():
        raise Conflict(
            errors.INVALID_TRANSITION,
            _("This booking can no longer be changed."),
            field="status",
            extra={"current_status": booking.status},
        )
    if booking.departure.starts_at <= timezone.now():
        raise Conflict(
            errors.DEPARTURE_STARTED, _("This visit has already started."), field="departure"
        )


@transaction.atomic
def booking_move(
    *,
    booking: Booking,
    actor: services.Actor,
    departure_id: int | None = None,
    starts_at: datetime | None = None,
) -> Move:
    """Move a booking to another date: ``departure_id`` for a booking on a public departure,
    ``starts_at`` (aware) for a private one. Staff only; the change cut-off does not apply.

    Locks the departures (old and new, primary-key order), then the booking; counts the seats
    on the new departure and writes, in one transaction; audits a ``moved`` event with the staff
    user; e-mails the group the new date after commit. Raises InvalidInput or Conflict."""
    current = Booking.objects.values_list("departure_id", flat=True).get(pk=booking.pk)
    kind = Departure.objects.values_list("kind", flat=True).get(pk=current)
    if kind == DepartureKind.PRIVATE:
        return _move_private(booking, actor, starts_at)
    if departure_id is None:
        raise InvalidInput(
            PUBLIC_NEEDS_DEPARTURE, _("Choose the departure to move to."), field="departure"
        )
    ids = [current, departure_id]
    if not Departure.objects.filter(pk=departure_id).exists():
        raise InvalidInput(
            errors.DEPARTURE_NOT_FOUND, _("This departure does not exist."), field="departure"
        )
    locked = _lock_departures_then_booking(booking.pk, ids)
    if locked.departure_id != current:
        # Moved by someone else between the read and the locks: its departure is not locked.
        raise Conflict(
            CHANGED_MEANWHILE,
            _("This booking was changed meanwhile; reload it and try again."),
            field="departure",
        )
    _check_movable(locked)
    old = locked.departure
    target = Departure.objects.select_related("itinerary").get(pk=departure_id)
    _check_target(locked, target)
    # Counts under the target's lock; ``services._after_seat_count`` is the race tests' seam.
    services._check_seats(target, locked.participants)
    locked.departure = target
    locked.sequence += 1
    fields = ["departure", "sequence", "updated_at"]
    if locked.hold_expires_at and locked.hold_expires_at > target.starts_at:
        locked.hold_expires_at = target.starts_at
        fields.append("hold_expires_at")
    locked.save(update_fields=fields)
    booking_written(locked)
    return _moved(locked, actor, old.starts_at, target.starts_at, old.pk)


def _check_target(booking: Booking, target: Departure) -> None:
    same_itinerary = target.itinerary_id == booking.departure.itinerary_id
    if not same_itinerary or target.kind != DepartureKind.PUBLIC:
        raise InvalidInput(
            errors.DEPARTURE_NOT_BOOKABLE,
            _("A booking moves only to a public departure of the same itinerary."),
            field="departure",
        )
    if target.pk == booking.departure_id:
        raise InvalidInput(SAME_DATE, _("The booking is already on this date."), field="departure")
    if target.status != DepartureStatus.SCHEDULED or target.starts_at <= timezone.now():
        raise Conflict(
            errors.DEPARTURE_NOT_BOOKABLE,
            _("This departure is not open for booking."),
            field="departure",
        )
    if target.language != booking.language:
        raise InvalidInput(
            errors.LANGUAGE_NOT_OFFERED,
            _("This departure is guided in “%(language)s”.") % {"language": target.language},
            field="departure",
        )


def _move_private(booking: Booking, actor: services.Actor, starts_at: datetime | None) -> Move:
    if starts_at is None:
        raise InvalidInput(PRIVATE_NEEDS_TIME, _("Choose the new start time."), field="starts_at")
    locked = services.lock_booking(booking_id=booking.pk)
    _check_movable(locked)
    departure = locked.departure
    old_starts_at = departure.starts_at
    if starts_at == old_starts_at:
        raise InvalidInput(SAME_DATE, _("The booking is already on this date."), field="starts_at")
    if starts_at <= timezone.now():
        raise Conflict(
            errors.DEPARTURE_STARTED, _("This visit has already started."), field="starts_at"
        )
    # The private departure is the group's alone: its capacity is the group, so seats hold;
    # the scheduling service re-checks closed days and the sites, and the guides follow or the
    # move is refused.
    itinerary_services.departure_reschedule(departure=departure, starts_at=starts_at)
    departure.refresh_from_db()
    locked.departure = departure
    locked.sequence += 1
    fields = ["sequence", "updated_at"]
    if locked.hold_expires_at and locked.hold_expires_at > departure.starts_at:
        locked.hold_expires_at = departure.starts_at
        fields.append("hold_expires_at")
    locked.save(update_fields=fields)
    booking_written(locked)
    return _moved(locked, actor, old_starts_at, departure.starts_at, departure.pk)


def _moved(
    booking: Booking,
    actor: services.Actor,
    from_starts_at: datetime,
    to_starts_at: datetime,
    from_departure: int,
) -> Move:
    services._event(
        booking,
        actor,
        "moved",
        from_departure=from_departure,
        to_departure=booking.departure_id,
        from_starts_at=from_starts_at.isoformat(),
        to_starts_at=to_starts_at.isoformat(),
    )
    services._after_commit("moved", booking, signals.booking_changed)
    return Move(booking=booking, from_starts_at=from_starts_at, to_starts_at=to_starts_at)


def seats_left(departure: Departure) -> int:
    """Seats left on a departure now (for the admin's choices; the move re-counts locked)."""
    taken = getattr(departure, "seats_taken_now", None)
    if taken is None:
        taken = seats_taken(departure_id=departure.pk)
    return max(departure.capacity - int(taken), 0)
