"""Minimum group size and go/no-go of public departures (issue 18, item 4).

An itinerary with ``departure_minimum`` > 0 has each public departure decided
``decision_days`` before it starts (``Departure.decision_at``): with at least that many seats
taken it is confirmed to go ahead (``itineraries.services.departure_go_confirm``) and its
groups are told; short of it, it is cancelled through ``departure_cancel``, the one service
that cancels a departure, so every booking is cancelled with a full refund and its credit note
(bookings' receiver, the outbox), each group gets the usual cancellation e-mail, and this app
adds one saying why, with the itinerary's other dates that have seats. Staff may confirm
earlier (the departures' admin) or cancel earlier (its cancel action).

``departures_decide`` runs from beat (``visits.tasks.decide_departures``). Each decision
locks the departure row, counts the seats under it (a booking made at that moment waits on the
same lock, then finds the departure decided) and is idempotent: a departure already confirmed
or cancelled is left as it is, so two workers or a retry decide once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from bookings.models import Booking, seats_taking_q
from bookings.selectors import seats_taken
from core.tasks import enqueue
from itineraries import services as catalogue
from itineraries.models import Departure, DepartureKind, DepartureStatus

logger = logging.getLogger(__name__)

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
UNDECIDED = "undecided"
REASON = "minimum_not_reached"  # the cancellation's reason in the bookings' audit trail
LONGEST_DECISION_DAYS = 90  # itinerary_decision_days_in_range
# A departure is decided automatically within this time after its decision time (the beat runs
# every 15 minutes; a day covers an outage). Past it, it is left to staff: a minimum set on an
# itinerary today must not cancel at once every departure of the coming days that is short.
DECISION_GRACE = timedelta(days=1)


# Race tests' seam (tests/concurrency): called after the seats are counted, before the
# decision is written; and the switch the negative control turns off (no departure lock).
_after_count: Callable[[], None] | None = None
_lock_departure = True


@dataclass(frozen=True)
class Decision:
    departure_id: int
    outcome: str
    seats_taken: int
    minimum: int


def departures_to_decide(now: datetime) -> list[int]:
    """Public departures past their decision time, still scheduled, not confirmed, not begun."""
    candidates = Departure.objects.filter(
        kind=DepartureKind.PUBLIC,
        status=DepartureStatus.SCHEDULED,
        go_confirmed_at__isnull=True,
        itinerary__departure_minimum__gt=0,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(days=LONGEST_DECISION_DAYS),
    ).select_related("itinerary")
    return [d.pk for d in candidates if _in_decision_window(d, now)]


def _in_decision_window(departure: Departure, now: datetime) -> bool:
    decision_at = departure.decision_at
    return decision_at is not None and decision_at <= now < decision_at + DECISION_GRACE


def departure_decide(*, departure_id: int, now: datetime | None = None) -> Decision:
    """Confirm or cancel one departure at its decision time (see the module's docstring).

    Locks the departure row, then (cancelling) each booking through ``departure_cancel``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rows = Departure.objects.select_related("itinerary")
        if _lock_departure:
            rows = rows.select_for_update(of=("self",))
        departure = rows.get(pk=departure_id)
        minimum = departure.itinerary.departure_minimum
        taken = seats_taken(departure_id=departure.pk)
        if _after_count is not None:
            _after_count()
        if (
            departure.status != DepartureStatus.SCHEDULED
            or departure.go_confirmed_at is not None
            or not _in_decision_window(departure, now)
            or now >= departure.starts_at
        ):
            return Decision(departure.pk, UNDECIDED, taken, minimum)
        if taken >= minimum:
            catalogue.departure_go_confirm(departure=departure)
            return Decision(departure.pk, CONFIRMED, taken, minimum)
        result = catalogue.departure_cancel(departure=departure, reason=REASON)
        booking_ids = [b.pk for b in result.cancelled if isinstance(b, Booking)]
        transaction.on_commit(lambda: _tell_groups_why(booking_ids))
        return Decision(departure.pk, CANCELLED, taken, minimum)


def departures_decide(now: datetime | None = None) -> dict[str, int]:
    """The beat's run: decide every departure due; one failure does not stop the others."""
    now = now or timezone.now()
    counts = {CONFIRMED: 0, CANCELLED: 0, "failed": 0}
    for departure_id in departures_to_decide(now):
        try:
            outcome = departure_decide(departure_id=departure_id, now=now).outcome
        except Exception:
            counts["failed"] += 1
            logger.exception("go/no-go failed", extra={"departure": departure_id})
            continue
        if outcome in counts:
            counts[outcome] += 1
    return counts


def _tell_groups_why(booking_ids: list[int]) -> None:
    """After commit of a cancellation short of the minimum: each group is told why."""
    for booking_id in booking_ids:
        enqueue(_task(), booking_id, CANCELLED)


def groups_told_it_goes_ahead(departure: Departure) -> None:
    """After commit of a confirmation (task or staff): each group that holds seats is told."""
    live = Booking.objects.filter(seats_taking_q(timezone.now()), departure=departure)
    for booking_id in live.values_list("pk", flat=True):
        enqueue(_task(), booking_id, CONFIRMED)


def _task():
    from visits.tasks import send_go_no_go_email

    return send_go_no_go_email
