"""Writes about guides: guides, time off, assignments to departures, feed tokens.

No double-booking invariant: a guide's assignments never overlap once the travel buffer is added
around each visit. Every service that adds or moves an assignment locks the guide row
(``select_for_update``) before it checks and writes, so that two assignments of one guide are
checked one after the other; on PostgreSQL the exclusion constraint ``assignment_no_overlap``
holds it as well, and on SQLite the IMMEDIATE transaction serialises writers.

Lock order, everywhere: the departure row, then guide rows in primary-key order (the same order
as ``itineraries.services.departure_reschedule``, whose ``departure_changing`` signal re-checks
the guides), so two writers never wait on each other in a cycle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, DomainError, InvalidInput
from core.tasks import enqueue
from core.tokens import new_derived_token
from guides import selectors, tasks
from guides.invalidation import feeds_written, guides_written
from guides.models import Assignment, AssignmentRole, Guide, TimeOff, WeeklyAvailability
from itineraries.models import Departure, DepartureStatus, Theme

DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE for a deadlock
DEPARTURE_CANCELLED = "departure_cancelled"
GUIDE_INACTIVE = "guide_inactive"
LANGUAGE_NOT_SPOKEN = "language_not_spoken"
OUTSIDE_WEEKLY_HOURS = "outside_weekly_hours"
GUIDE_ON_TIME_OFF = "guide_on_time_off"
GUIDE_ALREADY_ASSIGNED = "guide_already_assigned"
DEPARTURE_HAS_LEAD = "departure_has_lead"
GUIDE_DOUBLE_BOOKED = "guide_double_booked"
ASSIGNMENT_NOT_FOUND = "assignment_not_found"
USER_ALREADY_GUIDE = "user_already_guide"
WEEKLY_HOURS_INVERTED = "weekly_hours_inverted"
TIME_OFF_INVERTED = "time_off_inverted"
TIME_OFF_OVERLAPS = "time_off_overlaps"
TIME_OFF_DURING_ASSIGNMENT = "time_off_during_assignment"

EXCLUSION_CONSTRAINT = "assignment_no_overlap"
ONE_LEAD_CONSTRAINT = "assignment_one_lead_per_departure"

logger = logging.getLogger(__name__)

# Test-only switch for the negative control of the race test: skips the guide row lock and the
# overlap check, leaving only the database constraint. Never changed in production.
_double_booking_guard_enabled: bool = True
# Test-only seam: called after the overlap check and before the write, so that a race test can
# hold two assignments between "check" and "write" and show what the lock prevents.
_after_overlap_check: Callable[[], None] | None = None


def _local(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _tell_guide(guide_id: int, departure_id: int, kind: str) -> None:
    """E-mail the guide once the transaction has committed (never under the row locks)."""
    transaction.on_commit(lambda: enqueue(tasks.send_guide_email, guide_id, departure_id, kind))


def _user_or_none(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


# --- Guides ---------------------------------------------------------------------------------


def _weekly_hours(guide: Guide, rows: Iterable[dict[str, Any]]) -> list[WeeklyAvailability]:
    slots = []
    for index, row in enumerate(rows):
        if row["end_time"] <= row["start_time"]:
            raise InvalidInput(
                WEEKLY_HOURS_INVERTED,
                _("Weekly hours must end after they start."),
                field=f"weekly_hours.{index}.end_time",
            )
        slots.append(WeeklyAvailability(guide=guide, **row))
    return slots


@transaction.atomic
def guide_create(
    *,
    user: Any,
    display_name: str,
    languages: list[str],
    phone: str = "",
    themes: Iterable[Theme] = (),
    weekly_hours: Iterable[dict[str, Any]] = (),
    is_active: bool = True,
) -> Guide:
    """Make a user a guide, with the languages, themes and weekly hours given.

    Raises InvalidInput (inverted weekly hours) or Conflict (the user is already a guide)."""
    if Guide.objects.filter(user=user).exists():
        raise Conflict(USER_ALREADY_GUIDE, _("This user is already a guide."), field="user")
    guide = Guide(
        user=user,
        display_name=display_name,
        phone=phone,
        languages=list(dict.fromkeys(languages)),
        is_active=is_active,
    )
    slots = _weekly_hours(guide, weekly_hours)
    try:
        with transaction.atomic():
            guide.save()
    except IntegrityError:  # a concurrent request made the same user a guide
        raise Conflict(
            USER_ALREADY_GUIDE, _("This user is already a guide."), field="user"
        ) from None
    guide.themes.set(list(themes))
    WeeklyAvailability.objects.bulk_create(slots)
    guides_written()
    return guide


def _lock_guide(guide_id: int) -> Guide:
    """Lock the guide row: every write to a guide's assignments or time off goes one by one."""
    qs = Guide.objects.all()
    if _double_booking_guard_enabled:
        qs = qs.select_for_update()
    return qs.get(pk=guide_id)


@transaction.atomic
def feed_token_rotate(*, guide: Guide) -> str:
    """A new calendar-feed token for the guide; the old one stops working. Locks the guide row.

    Returns the token. It is stored as its hash (what the feed looks up) and as the seed it is
    derived from with ``SECRET_KEY``, so that the guide page shows it again
    (``selectors.guide_feed_token``)."""
    locked = Guide.objects.select_for_update().get(pk=guide.pk)
    seed, token, token_hash = new_derived_token(purpose=selectors.FEED_TOKEN_PURPOSE)
    locked.feed_token_hash = token_hash
    locked.feed_token_seed = seed
    locked.save(update_fields=["feed_token_hash", "feed_token_seed", "updated_at"])
    guides_written()  # the old token's cached feed must die with it
    guide.feed_token_hash = token_hash
    guide.feed_token_seed = seed
    return token


# --- Time off -------------------------------------------------------------------------------


@transaction.atomic
def time_off_create(
    *, guide: Guide, starts_at: datetime, ends_at: datetime, reason: str = ""
) -> TimeOff:
    """Record a period of time off. Locks the guide row.

    Raises InvalidInput (inverted period) or Conflict (overlaps another period of time off, or
    a visit the guide is assigned to: release the guide from it first)."""
    if ends_at <= starts_at:
        raise InvalidInput(
            TIME_OFF_INVERTED, _("Time off must end after it starts."), field="ends_at"
        )
    locked = _lock_guide(guide.pk)
    if selectors.time_off_during(guide_id=locked.pk, starts_at=starts_at, ends_at=ends_at):
        raise Conflict(
            TIME_OFF_OVERLAPS,
            _("This period overlaps time off already recorded for %(guide)s.")
            % {"guide": locked.display_name},
            field="starts_at",
        )
    assigned = (
        Assignment.objects.select_related("departure__itinerary")
        .filter(
            guide=locked,
            departure__status=DepartureStatus.SCHEDULED,
            departure__starts_at__lt=ends_at,
            departure__ends_at__gt=starts_at,
        )
        .order_by("departure__starts_at")
        .first()
    )
    if assigned is not None:
        raise Conflict(
            TIME_OFF_DURING_ASSIGNMENT,
            _("%(guide)s guides “%(visit)s” on %(at)s: release them from it first.")
            % {
                "guide": locked.display_name,
                "visit": assigned.departure.itinerary.title,
                "at": _local(assigned.departure.starts_at),
            },
            field="starts_at",
            extra={"departure": assigned.departure_id},
        )
    time_off = TimeOff.objects.create(
        guide=locked, starts_at=starts_at, ends_at=ends_at, reason=reason
    )
    guides_written()
    return time_off


# --- Assignments ----------------------------------------------------------------------------


def _check_availability(*, guide: Guide, starts_at: datetime, ends_at: datetime) -> None:
    """Refuse if the guide does not work at that time or is off. Expects the guide row locked."""
    name = {"guide": guide.display_name}
    if not selectors.fits_weekly_hours(
        slots=guide.weekly_hours.all(), starts_at=starts_at, ends_at=ends_at
    ):
        raise Conflict(
            OUTSIDE_WEEKLY_HOURS,
            _("%(guide)s does not work at that time (outside their weekly hours).") % name,
            field="guide",
            extra={"guide": guide.pk},
        )
    if selectors.time_off_during(guide_id=guide.pk, starts_at=starts_at, ends_at=ends_at):
        raise Conflict(
            GUIDE_ON_TIME_OFF,
            _("%(guide)s is on time off at that time.") % name,
            field="guide",
            extra={"guide": guide.pk},
        )


def _check_overlap(
    *, guide: Guide, starts_at: datetime, ends_at: datetime, departure_id: int
) -> None:
    """Refuse if another assignment of the guide is too close (travel buffer on both sides).

    Expects the guide row to be locked by the caller, so that the answer holds until commit."""
    start, end = selectors.buffered_range(starts_at=starts_at, ends_at=ends_at)
    other = selectors.overlapping_assignment(
        guide_id=guide.pk, starts_at=start, ends_at=end, exclude_departure_id=departure_id
    )
    if other is not None:
        raise _double_booked(guide, other.departure)


def _double_booked(guide: Guide, other: Departure | None) -> Conflict:
    if other is None:
        message = _("%(guide)s is already guiding another visit at that time.") % {
            "guide": guide.display_name
        }
    else:
        message = _(
            "%(guide)s already guides “%(visit)s” on %(at)s, too close to this visit "
            "(travel time included)."
        ) % {
            "guide": guide.display_name,
            "visit": other.itinerary.title,
            "at": _local(other.starts_at),
        }
    extra: dict[str, object] = {"guide": guide.pk}
    if other is not None:
        extra["departure"] = other.pk
    return Conflict(GUIDE_DOUBLE_BOOKED, message, field="guide", extra=extra)


def _has_lead(departure_id: int) -> bool:
    return Assignment.objects.filter(departure_id=departure_id, role=AssignmentRole.LEAD).exists()


def _second_lead() -> Conflict:
    return Conflict(
        DEPARTURE_HAS_LEAD,
        _("This departure already has a lead guide: add this guide as an assistant."),
        field="role",
    )


def _save_assignment(assignment: Assignment, guide: Guide, update: bool = False) -> None:
    """Write in a savepoint, translating the database's refusals into domain errors."""
    try:
        with transaction.atomic():
            if update:
                assignment.save(update_fields=["starts_at", "ends_at", "updated_at"])
            else:
                assignment.save()
    except IntegrityError as exc:
        if EXCLUSION_CONSTRAINT in str(exc):
            raise _double_booked(guide, None) from None
        if ONE_LEAD_CONSTRAINT in str(exc):
            # A backstop: writers hold the departure lock, so ``_has_lead`` saw the other lead.
            raise _second_lead() from None
        if not update and "unique" in str(exc).lower():
            raise Conflict(
                GUIDE_ALREADY_ASSIGNED,
                _("%(guide)s is already on this departure.") % {"guide": guide.display_name},
                field="guide",
            ) from None
        raise
    except OperationalError as exc:
        # Two writers inserting overlapping ranges at once can each wait on the other's tuple
        # while PostgreSQL checks the exclusion constraint: it then cancels one of them as a
        # deadlock. That writer lost the same race the constraint referees.
        if getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
            raise _double_booked(guide, None) from None
        raise
    guides_written()


@transaction.atomic
def assignment_create(*, departure: Departure, guide: Guide, role: str, by: Any) -> Assignment:
    """Assign a guide to a departure, as lead or assistant.

    Locks the departure row (so that it cannot move meanwhile), then the guide row, then checks
    in this order: departure cancelled, guide inactive, language, weekly hours, time off, already
    on it, another assignment too close (travel buffer on both sides). Raises Conflict or
    InvalidInput; the exclusion constraint's refusal becomes the same ``guide_double_booked``.
    """
    locked_departure = (
        Departure.objects.select_for_update(of=("self",))
        .select_related("itinerary")
        .get(pk=departure.pk)
    )
    locked = _lock_guide(guide.pk)
    if locked_departure.status != DepartureStatus.SCHEDULED:
        raise Conflict(
            DEPARTURE_CANCELLED,
            _("This departure is cancelled: no guide can be assigned to it."),
            field="departure",
        )
    name = {"guide": locked.display_name}
    if not locked.is_active:
        raise Conflict(GUIDE_INACTIVE, _("%(guide)s is not active.") % name, field="guide")
    if locked_departure.language not in locked.languages:
        raise InvalidInput(
            LANGUAGE_NOT_SPOKEN,
            _("%(guide)s does not guide in “%(language)s”, the language of this departure.")
            % {**name, "language": locked_departure.get_language_display()},
            field="guide",
        )
    if Assignment.objects.filter(guide=locked, departure=locked_departure).exists():
        raise Conflict(
            GUIDE_ALREADY_ASSIGNED,
            _("%(guide)s is already on this departure.") % name,
            field="guide",
        )
    if role == AssignmentRole.LEAD and _has_lead(locked_departure.pk):
        raise _second_lead()
    window = {"starts_at": locked_departure.starts_at, "ends_at": locked_departure.ends_at}
    _check_availability(guide=locked, **window)
    if _double_booking_guard_enabled:
        _check_overlap(guide=locked, departure_id=locked_departure.pk, **window)
    if _after_overlap_check is not None:
        _after_overlap_check()
    starts_at, ends_at = selectors.buffered_range(
        starts_at=locked_departure.starts_at, ends_at=locked_departure.ends_at
    )
    assignment = Assignment(
        guide=locked,
        departure=locked_departure,
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=_user_or_none(by),
    )
    _save_assignment(assignment, locked)
    _tell_guide(locked.pk, locked_departure.pk, "assigned")
    return assignment


@transaction.atomic
def assignment_delete(*, departure: Departure, guide: Guide) -> None:
    """Release a guide from a departure. Locks the departure row, then the guide row.

    Raises DomainError 404 when the guide is not on the departure."""
    Departure.objects.select_for_update(of=("self",)).get(pk=departure.pk)
    locked = _lock_guide(guide.pk)
    deleted, _rows = Assignment.objects.filter(guide=locked, departure_id=departure.pk).delete()
    if not deleted:
        raise DomainError(
            ASSIGNMENT_NOT_FOUND,
            _("%(guide)s is not on this departure.") % {"guide": locked.display_name},
            field="guide",
            status=404,
        )
    # The feed lost an event: its Last-Modified must move forward even though no row is left.
    Guide.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    guides_written()
    _tell_guide(locked.pk, departure.pk, "released")


def assignments_move(*, departure: Departure, new_starts_at: datetime) -> None:
    """Re-check the guides of a departure about to move, and move their assignments.

    Runs inside ``departure_reschedule``'s transaction, with the departure row locked; locks the
    guide rows in primary-key order. The new ranges are written here, in the same transaction,
    so that the exclusion constraint judges them and a later refusal (site capacity) rolls them
    back with the move. Raises Conflict naming the guide that cannot follow."""
    if new_starts_at == departure.starts_at:
        return
    new_ends_at = new_starts_at + (departure.ends_at - departure.starts_at)
    assignments = list(Assignment.objects.filter(departure=departure).order_by("guide_id"))
    if not assignments:
        return
    guides = {
        guide.pk: guide
        for guide in Guide.objects.select_for_update()
        .filter(pk__in=[a.guide_id for a in assignments])
        .order_by("pk")
    }
    for assignment in assignments:
        guide = guides[assignment.guide_id]
        _check_availability(guide=guide, starts_at=new_starts_at, ends_at=new_ends_at)
        _check_overlap(
            guide=guide, starts_at=new_starts_at, ends_at=new_ends_at, departure_id=departure.pk
        )
        assignment.starts_at, assignment.ends_at = selectors.buffered_range(
            starts_at=new_starts_at, ends_at=new_ends_at
        )
        _save_assignment(assignment, guide, update=True)
        _tell_guide(guide.pk, departure.pk, "changed")


def assignments_sync_ranges(*, departure: Departure) -> int:
    """Make the stored ranges of a departure's assignments match its current times.

    ``assignments_move`` already wrote them inside the move's transaction, so this is normally a
    no-op; it repairs ranges left behind by a change of ``GUIDE_TRAVEL_BUFFER_MINUTES``. Returns
    how many assignments it changed."""
    starts_at, ends_at = selectors.buffered_range(
        starts_at=departure.starts_at, ends_at=departure.ends_at
    )
    stale = Assignment.objects.filter(departure_id=departure.pk).exclude(
        starts_at=starts_at, ends_at=ends_at
    )
    try:
        with transaction.atomic():
            changed = stale.update(starts_at=starts_at, ends_at=ends_at, updated_at=timezone.now())
            if changed:
                guides_written()
            return changed
    except IntegrityError:
        # Only a longer buffer can get here; the office must release one of the guides.
        logger.warning("guide assignments of departure %s overlap after a move", departure.pk)
        return 0


def assignments_bump_sequence(*, departure_id: int) -> int:
    """A departure's groups changed (head count, a group confirmed or cancelled): calendar
    clients must take the new event, so its SEQUENCE grows and its DTSTAMP moves. Returns how
    many assignments it changed."""
    changed = Assignment.objects.filter(departure_id=departure_id).update(
        sequence=F("sequence") + 1, updated_at=timezone.now()
    )
    if changed:
        feeds_written()
    return changed
