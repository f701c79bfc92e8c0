"""The guide's day (issue 18, item 5, first part): the manifest of the guide's visits and the
check-in of who came.

A guide reads only the departures assigned to them (``guides.selectors.guide_schedule``). A
check-in is a list of ticks, each with its own ``client_id``; the phone may send a list again
(after the signal came back, or a retry): a tick already recorded with the same content counts
once, a ``client_id`` reused for another content is refused. Who came is read from the ticks:
per named participant, or per group counted without names, the tick with the latest ``at``
wins, whatever order they arrived in. The whole list is checked first and written in one
transaction: one bad tick, nothing is written.

Walk-ins are people who came with a group without being on its list (or beyond its head
count): the guide records, per group, how many (the latest tick wins, as for a count). All the
groups' walk-ins together fit in the departure's seats left (its capacity less the seats the
bookings and holds take); the check reads them with the departure row locked, so two phones
adding walk-ins at once cannot both take the last seat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, Participant, seats_taking_q
from bookings.selectors import seats_taken
from core.errors import Conflict, InvalidInput
from guides.models import Assignment, Guide
from itineraries.models import Departure, DepartureStatus
from visits.models import CheckIn

CHECK_IN_NOT_ON_VISIT = "check_in_not_on_visit"
CHECK_IN_COUNT_OVER_GROUP = "check_in_count_over_group"
CHECK_IN_OUT_OF_WINDOW = "check_in_out_of_window"
CHECK_IN_TOO_LATE = "check_in_too_late"
CHECK_IN_CLIENT_ID_REUSED = "check_in_client_id_reused"
CHECK_IN_DEPARTURE_CANCELLED = "check_in_departure_cancelled"
CHECK_IN_WALK_INS_OVER_CAPACITY = "check_in_walk_ins_over_capacity"

# A tick is taken from a little before the start (groups arrive early) to the evening after
# the end; a phone's clock may run a few minutes ahead; the ticks of a day offline are still
# taken a week later, not after.
EARLIEST_BEFORE_START = timedelta(hours=2)
LATEST_AFTER_END = timedelta(hours=12)
CLOCK_SKEW = timedelta(minutes=5)
SENT_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class Tick:
    client_id: str
    at: datetime
    participant_id: int | None = None
    booking_reference: str | None = None
    count: int | None = None
    present: bool = True
    walk_ins: int | None = None


@dataclass(frozen=True)
class CheckInResult:
    recorded: int
    duplicates: int


def assigned_departure(*, guide: Guide, departure_id: int) -> Departure | None:
    """The departure if this guide is assigned to it, else None (answered as not found)."""
    assignment = (
        Assignment.objects.select_related("departure__itinerary")
        .filter(guide=guide, departure_id=departure_id)
        .first()
    )
    return assignment.departure if assignment is not None else None


def _live_bookings(departure: Departure) -> dict[str, Booking]:
    live = Booking.objects.filter(seats_taking_q(timezone.now()), departure=departure)
    return {booking.reference: booking for booking in live}


def _refuse(code: str, message: Any, index: int, field: str, bad: type = InvalidInput) -> None:
    raise bad(code, message, field=f"check_ins.{index}.{field}")


def _check_window(departure: Departure, tick: Tick, index: int, now: datetime) -> None:
    if now > departure.ends_at + SENT_WITHIN:
        _refuse(
            CHECK_IN_TOO_LATE,
            _("The check-in of this visit closed a week after it; please tell the office."),
            index,
            "at",
            Conflict,
        )
    earliest = departure.starts_at - EARLIEST_BEFORE_START
    latest = min(departure.ends_at + LATEST_AFTER_END, now + CLOCK_SKEW)
    if not earliest <= tick.at <= latest:
        _refuse(
            CHECK_IN_OUT_OF_WINDOW,
            _("This tick's time is not during the visit (or is in the future)."),
            index,
            "at",
        )


def _resolve(
    departure: Departure, ticks: Sequence[Tick], now: datetime
) -> list[tuple[Tick, Booking, Participant | None]]:
    """Each tick with its group and participant, or the first tick at fault refused."""
    bookings = _live_bookings(departure)
    wanted = {t.participant_id for t in ticks if t.participant_id is not None}
    participants = {
        p.pk: p for p in Participant.objects.filter(pk__in=wanted, booking__in=bookings.values())
    }
    resolved: list[tuple[Tick, Booking, Participant | None]] = []
    for index, tick in enumerate(ticks):
        _check_window(departure, tick, index, now)
        if tick.participant_id is not None:
            participant = participants.get(tick.participant_id)
            if participant is None:
                _refuse(
                    CHECK_IN_NOT_ON_VISIT,
                    _("This person is not in a group of this visit."),
                    index,
                    "participant",
                )
            assert participant is not None
            resolved.append((tick, participant.booking, participant))
            continue
        booking = bookings.get(tick.booking_reference or "")
        if booking is None:
            _refuse(CHECK_IN_NOT_ON_VISIT, _("This group is not on this visit."), index, "booking")
        assert booking is not None
        if tick.walk_ins is not None:
            resolved.append((tick, booking, None))
            continue
        if (tick.count or 0) > booking.participants:
            _refuse(
                CHECK_IN_COUNT_OVER_GROUP,
                _("The group is %(n)d people: count at most that many.")
                % {"n": booking.participants},
                index,
                "count",
            )
        resolved.append((tick, booking, None))
    return resolved


def _same(row: CheckIn, tick: Tick, booking: Booking) -> bool:
    return (
        row.booking_id == booking.pk
        and row.participant_id == tick.participant_id
        and row.count == tick.count
        and row.walk_ins == tick.walk_ins
        and row.present == tick.present
        and row.at == tick.at
    )


def walk_ins_room(departure: Departure) -> int:
    """Seats left on the departure now: how many walk-ins all its groups may have together."""
    return max(departure.capacity - seats_taken(departure_id=departure.pk), 0)


def _check_walk_ins(
    departure: Departure, resolved: Sequence[tuple[Tick, Booking, Participant | None]]
) -> None:
    """Refuse the walk-ins that would take more than the seats left. Locks the departure row
    (the walk-ins of two phones are then counted one after the other)."""
    Departure.objects.select_for_update().filter(pk=departure.pk).first()
    latest: dict[int, tuple[datetime, int]] = {}
    for row in CheckIn.objects.filter(departure=departure, walk_ins__isnull=False).order_by(
        "at", "pk"
    ):
        latest[row.booking_id] = (row.at, row.walk_ins or 0)
    blamed = 0
    for index, (tick, booking, _participant) in enumerate(resolved):
        if tick.walk_ins is None:
            continue
        known = latest.get(booking.pk)
        if known is None or tick.at >= known[0]:
            latest[booking.pk] = (tick.at, tick.walk_ins)
            blamed = index
    room = walk_ins_room(departure)
    if sum(value for _at, value in latest.values()) > room:
        _refuse(
            CHECK_IN_WALK_INS_OVER_CAPACITY,
            _("Only %(n)d seats are left on this visit: at most %(n)d walk-ins in all.")
            % {"n": room},
            blamed,
            "walk_ins",
        )


@transaction.atomic
def check_ins_record(
    *, guide: Guide, departure: Departure, ticks: Sequence[Tick], now: datetime | None = None
) -> CheckInResult:
    """Record the guide's ticks for an assigned departure, all or none.

    Takes no row lock: each tick is its own row, made unique by ``client_id`` (a concurrent
    send of the same tick fails its insert and is then found the same). Raises ``Conflict``
    for a cancelled departure, a check-in sent too late or a ``client_id`` reused for another
    tick; ``InvalidInput`` for a tick of another group or outside the visit's time.
    """
    now = now or timezone.now()
    if departure.status == DepartureStatus.CANCELLED:
        raise Conflict(
            CHECK_IN_DEPARTURE_CANCELLED, _("This visit is cancelled."), field="departure"
        )
    resolved = _resolve(departure, ticks, now)
    if any(tick.walk_ins is not None for tick in ticks):
        _check_walk_ins(departure, resolved)
    existing = {
        row.client_id: row
        for row in CheckIn.objects.filter(client_id__in=[t.client_id for t in ticks])
    }
    recorded = duplicates = 0
    for index, (tick, booking, participant) in enumerate(resolved):
        row = existing.get(tick.client_id)
        if row is None:
            try:
                with transaction.atomic():
                    row = CheckIn.objects.create(
                        departure=departure,
                        booking=booking,
                        participant=participant,
                        present=tick.present,
                        count=tick.count,
                        walk_ins=tick.walk_ins,
                        at=tick.at,
                        client_id=tick.client_id,
                        guide=guide,
                    )
                recorded += 1
                existing[tick.client_id] = row
                continue
            except IntegrityError:
                row = CheckIn.objects.get(client_id=tick.client_id)  # sent at the same moment
        if row.departure_id != departure.pk or not _same(row, tick, booking):
            _refuse(
                CHECK_IN_CLIENT_ID_REUSED,
                _("This client_id was already used for another tick."),
                index,
                "client_id",
                Conflict,
            )
        duplicates += 1
    return CheckInResult(recorded, duplicates)


def attendance(departure: Departure) -> dict[str, dict[str, Any]]:
    """Who came, per group (by reference): the latest tick per participant, or the latest
    count for a group counted without names, and the latest number of walk-ins; ``attended``
    is the number of people, walk-ins included."""
    latest: dict[tuple[int, int | None, bool], CheckIn] = {}
    for row in CheckIn.objects.filter(departure=departure).order_by("at", "pk"):
        latest[(row.booking_id, row.participant_id, row.walk_ins is not None)] = row
    groups: dict[int, dict[str, Any]] = {}
    for (booking_id, participant_id, walk_in), row in latest.items():
        group = groups.setdefault(
            booking_id, {"present": [], "absent": [], "counted": None, "walk_ins": 0}
        )
        if walk_in:
            group["walk_ins"] = row.walk_ins
        elif participant_id is None:
            group["counted"] = row.count
        else:
            group["present" if row.present else "absent"].append(participant_id)
    references = dict(Booking.objects.filter(pk__in=groups).values_list("pk", "reference"))
    answer = {}
    for booking_id, group in groups.items():
        named = len(group["present"])
        group["present"].sort()
        group["absent"].sort()
        group["attended"] = (group["counted"] if group["counted"] is not None else named) + group[
            "walk_ins"
        ]
        answer[references[booking_id]] = group
    return answer
