"""Writes to the catalogue: itineraries and the scheduling of departures.

Every departure is created or moved here, so that the site occupancy invariant holds: for every
stop window, the capacities of the scheduled departures at that site at the same time never add up
to more than the site's ``max_visitors``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict, InvalidInput
from itineraries.inputs import ItineraryFields, OptionInput, StopInput
from itineraries.invalidation import catalogue_written
from itineraries.models import (
    Departure,
    DepartureKind,
    DepartureStatus,
    Itinerary,
    Option,
    Site,
    Stop,
    Theme,
)
from itineraries.selectors import closed_days, occupancy_conflict, stop_windows

SITE_CAPACITY_EXCEEDED = "site_capacity_exceeded"
SITE_NOT_BOOKABLE = "site_not_bookable"
LANGUAGE_NOT_OFFERED = "language_not_offered"
STARTS_IN_PAST = "starts_in_past"
ITINERARY_WITHOUT_STOPS = "itinerary_without_stops"
DEPARTURE_CANCELLED = "departure_cancelled"
ITINERARY_HAS_DEPARTURES = "itinerary_has_departures"
STOP_POSITION_DUPLICATE = "stop_position_duplicate"
CLOSED_DAY = "closed_day"

# Sent inside the scheduling transaction, after the departure row is locked and before it is
# moved, so that higher apps (bookings: seats taken) can refuse a change that would break their
# own invariants by raising a DomainError. Arguments: departure, new_starts_at, new_capacity.
departure_changing = Signal()
# Sent after commit when a departure's time, capacity or language changed.
departure_rescheduled = Signal()
# Sent inside ``departure_cancel``'s transaction, with the departure row locked and already
# cancelled: higher apps cancel what depends on it (bookings: every live booking, fully
# refunded) and return the list of what they cancelled. Arguments: departure, by, reason.
departure_cancelling = Signal()
# Sent after commit when a public departure is confirmed to go ahead (its minimum reached, or
# staff's decision); visits tells its groups. Arguments: departure, by.
departure_go_confirmed = Signal()

# Test-only seam: called after the occupancy count and before the write, so that a concurrency
# test can hold two schedulers between "count" and "write" and show what the lock prevents.
_after_occupancy_check: Callable[[], None] | None = None
# Test-only switch for the negative control of the concurrency test; never set in production.
_site_locks_enabled: bool = True


def _stops_of(itinerary: Itinerary) -> list[Stop]:
    return list(itinerary.stops.select_related("site").order_by("position"))


def _check_bookable(stops: Iterable[Stop]) -> None:
    for stop in stops:
        if not stop.site.is_bookable:
            raise InvalidInput(
                SITE_NOT_BOOKABLE,
                _("The site “%(site)s” is closed to visitors and cannot be visited.")
                % {"site": stop.site.name},
                field="stops",
            )


def _lock_sites_in_order(site_ids: set[int]) -> dict[int, Site]:
    """Lock the sites in primary-key order: two schedulers never wait on each other in a cycle."""
    qs = Site.objects.filter(pk__in=site_ids).order_by("pk")
    if _site_locks_enabled:
        qs = qs.select_for_update()
    return {site.pk: site for site in qs}


def _ensure_site_capacity(
    *, stops: list[Stop], starts_at: datetime, capacity: int, exclude_departure_id: int | None
) -> None:
    """Lock the stops' sites and refuse if the departure would overfill one.

    Expects to run inside a transaction."""
    locked = _lock_sites_in_order({stop.site_id for stop in stops})
    for stop in stops:
        stop.site = locked[stop.site_id]  # the values read under the lock
    conflict = occupancy_conflict(
        windows=stop_windows(stops=stops, starts_at=starts_at),
        capacity=capacity,
        exclude_departure_id=exclude_departure_id,
    )
    if _after_occupancy_check is not None:
        _after_occupancy_check()
    if conflict is not None:
        at = date_format(timezone.localtime(conflict.at), "DATETIME_FORMAT")
        raise Conflict(
            SITE_CAPACITY_EXCEEDED,
            _(
                "The site “%(site)s” cannot take %(requested)d more visitors at %(at)s: "
                "%(already)d of its %(max)d places are already taken."
            )
            % {
                "site": conflict.site.name,
                "requested": conflict.requested,
                "at": at,
                "already": conflict.visitors_already,
                "max": conflict.site.max_visitors,
            },
            field="starts_at",
            extra={"site": conflict.site.slug, "at": conflict.at.isoformat()},
        )


def _check_departure_input(
    *, itinerary: Itinerary, starts_at: datetime, language: str, stops: list[Stop]
) -> None:
    if not stops:
        raise InvalidInput(
            ITINERARY_WITHOUT_STOPS,
            _("This itinerary has no stops yet: a departure cannot be scheduled."),
            field="itinerary",
        )
    _check_bookable(stops)
    if language not in itinerary.languages:
        raise InvalidInput(
            LANGUAGE_NOT_OFFERED,
            _("This itinerary is not offered in the language “%(language)s”.")
            % {"language": language},
            field="language",
        )
    if starts_at <= timezone.now():
        raise InvalidInput(
            STARTS_IN_PAST, _("A departure must start in the future."), field="starts_at"
        )
    _check_open(stops=stops, starts_at=starts_at)


def _check_open(*, stops: list[Stop], starts_at: datetime) -> None:
    """Refuse a visit on a day its sites or the office are closed, or a public holiday.

    Every day the visit covers counts, for all its sites (a two-day trip is refused when one of
    its sites is closed on either day): simple to explain, and closures are rare.
    """
    first_day = timezone.localdate(starts_at)
    last_day = timezone.localdate(starts_at + itinerary_duration(stops))
    closed = closed_days(
        site_ids={stop.site_id for stop in stops}, first_day=first_day, last_day=last_day
    )
    if closed:
        day, reason = min(closed.items())
        raise Conflict(
            CLOSED_DAY,
            _("No visit can be held on %(day)s: %(reason)s.")
            % {"day": date_format(day, "DATE_FORMAT"), "reason": reason},
            field="starts_at",
            extra={"closed_on": day.isoformat()},
        )


@transaction.atomic
def departure_schedule(
    *,
    itinerary: Itinerary,
    starts_at: datetime,
    language: str,
    capacity: int | None = None,
    kind: str = DepartureKind.PUBLIC,
    notes: str = "",
    by: Any = None,
) -> Departure:
    """Create a scheduled departure. Locks the sites of its stops (pk order) for the transaction.

    Raises InvalidInput (no stops, closed site, language, past) or Conflict (site capacity).
    """
    stops = _stops_of(itinerary)
    _check_departure_input(itinerary=itinerary, starts_at=starts_at, language=language, stops=stops)
    capacity = capacity if capacity is not None else itinerary.max_participants
    _ensure_site_capacity(
        stops=stops, starts_at=starts_at, capacity=capacity, exclude_departure_id=None
    )
    user = by if getattr(by, "is_authenticated", False) else None
    departure = Departure(
        itinerary=itinerary,
        starts_at=starts_at,
        ends_at=starts_at + itinerary_duration(stops),
        language=language,
        capacity=capacity,
        kind=kind,
        notes=notes,
        created_by=user,
    )
    departure.full_clean()
    departure.save()
    catalogue_written()
    return departure


def itinerary_duration(stops: list[Stop]) -> timedelta:
    return timedelta(minutes=max(stop.end_offset_minutes for stop in stops))


@transaction.atomic
def departure_reschedule(
    *,
    departure: Departure,
    starts_at: datetime | None = None,
    capacity: int | None = None,
    language: str | None = None,
    notes: str | None = None,
) -> Departure:
    """Move a departure or change its capacity or language, re-checking site occupancy.

    Locks the departure row, then its sites (pk order). Receivers of ``departure_changing`` (the
    bookings app) refuse a capacity below the seats taken. Bumps ``sequence`` when the time or
    language changes, so that calendar feeds update.
    """
    locked = Departure.objects.select_for_update().select_related("itinerary").get(pk=departure.pk)
    if locked.status != DepartureStatus.SCHEDULED:
        raise Conflict(
            DEPARTURE_CANCELLED, _("A cancelled departure cannot be changed."), field="status"
        )
    new_starts = starts_at or locked.starts_at
    new_capacity = capacity if capacity is not None else locked.capacity
    new_language = language or locked.language
    stops = _stops_of(locked.itinerary)
    if new_starts != locked.starts_at or new_language != locked.language:
        _check_departure_input(
            itinerary=locked.itinerary, starts_at=new_starts, language=new_language, stops=stops
        )
    departure_changing.send(
        sender=Departure, departure=locked, new_starts_at=new_starts, new_capacity=new_capacity
    )
    if new_starts != locked.starts_at or new_capacity > locked.capacity:
        _ensure_site_capacity(
            stops=stops, starts_at=new_starts, capacity=new_capacity, exclude_departure_id=locked.pk
        )
    moved = new_starts != locked.starts_at or new_language != locked.language
    locked.starts_at = new_starts
    locked.ends_at = new_starts + itinerary_duration(stops)
    locked.capacity = new_capacity
    locked.language = new_language
    if notes is not None:
        locked.notes = notes
    if moved:
        locked.sequence += 1
    locked.full_clean()
    locked.save(
        update_fields=[
            "starts_at",
            "ends_at",
            "capacity",
            "language",
            "notes",
            "sequence",
            "updated_at",
        ]
    )
    catalogue_written()
    transaction.on_commit(
        lambda: departure_rescheduled.send(sender=Departure, departure=locked, moved=moved)
    )
    return locked


@dataclass(frozen=True)
class DepartureCancellation:
    departure: Departure
    changed: bool  # False when the departure was already cancelled
    cancelled: list[Any]  # what the receivers of ``departure_cancelling`` cancelled with it


@transaction.atomic
def departure_cancel(
    *, departure: Departure, by: Any = None, reason: str = ""
) -> DepartureCancellation:
    """Cancel a departure (weather, strike, or its only private group gone): frees its sites,
    and, through ``departure_cancelling``, cancels whatever the higher apps hold on it.

    The one service that cancels a departure, whoever calls it (the staff API, any admin, the
    bookings app for a private date). Locks the departure row; receivers lock their rows after
    it (bookings: each booking). ``by`` is the staff user, or None for the system. Idempotent:
    an already cancelled departure is not changed, but its receivers still run, so what a
    departure cancelled before them (or by hand) left alive is cancelled now.
    """
    locked = Departure.objects.select_for_update().get(pk=departure.pk)
    changed = locked.status != DepartureStatus.CANCELLED
    if changed:
        locked.status = DepartureStatus.CANCELLED
        locked.sequence += 1
        locked.save(update_fields=["status", "sequence", "updated_at"])
        catalogue_written()
    answers = departure_cancelling.send(sender=Departure, departure=locked, by=by, reason=reason)
    cancelled = [item for _receiver, items in answers for item in items or []]
    return DepartureCancellation(locked, changed, cancelled)


@transaction.atomic
def departure_go_confirm(*, departure: Departure, by: Any = None) -> bool:
    """Confirm that a public departure goes ahead: it will not be cancelled for want of
    participants. True when this call confirmed it (then ``departure_go_confirmed`` is sent
    after commit); False when it was already confirmed (idempotent).

    Locks the departure row. Raises ``Conflict`` (``departure_cancelled``) for a cancelled
    departure. Staff may confirm before the decision time (the admin's action); the go/no-go
    task (visits.go_no_go) confirms at the decision time when the minimum is reached.
    """
    locked = Departure.objects.select_for_update().get(pk=departure.pk)
    if locked.status == DepartureStatus.CANCELLED:
        raise Conflict(
            DEPARTURE_CANCELLED, _("A cancelled departure cannot be changed."), field="status"
        )
    if locked.go_confirmed_at is not None:
        return False
    locked.go_confirmed_at = timezone.now()
    locked.save(update_fields=["go_confirmed_at", "updated_at"])
    catalogue_written()  # the departures' answers show go/no-go
    transaction.on_commit(
        lambda: departure_go_confirmed.send(sender=Departure, departure=locked, by=by)
    )
    return True


# --- Itineraries ----------------------------------------------------------------------------


def _validate_stops(stops: Sequence[StopInput]) -> None:
    positions = [stop.position for stop in stops]
    if len(positions) != len(set(positions)):
        raise InvalidInput(
            STOP_POSITION_DUPLICATE, _("Two stops have the same position."), field="stops"
        )


def _check_publishable(itinerary: Itinerary) -> None:
    stops = _stops_of(itinerary)
    if not stops:
        raise InvalidInput(
            ITINERARY_WITHOUT_STOPS,
            _("An itinerary without stops cannot be published."),
            field="is_published",
        )
    _check_bookable(stops)


def _write_children(
    itinerary: Itinerary,
    stops: Sequence[StopInput] | None,
    options: Sequence[OptionInput] | None,
) -> None:
    if stops is not None:
        _validate_stops(stops)
        itinerary.stops.all().delete()
        for stop_input in stops:
            stop = Stop(itinerary=itinerary, **stop_input.fields())
            stop.full_clean()
            stop.save()
    if options is not None:
        itinerary.options.all().delete()
        for option_input in options:
            option = Option(itinerary=itinerary, **option_input.fields())
            option.full_clean()
            option.save()


@transaction.atomic
def itinerary_create(
    *,
    fields: ItineraryFields,
    themes: Sequence[Theme] = (),
    stops: Sequence[StopInput] = (),
    options: Sequence[OptionInput] = (),
) -> Itinerary:
    """Create an itinerary with its stops and options; published only if every site is bookable."""
    own = dict(fields)
    publish = bool(own.pop("is_published", False))
    itinerary = Itinerary(**own)
    itinerary.full_clean()
    itinerary.save()
    itinerary.themes.set(themes)
    _write_children(itinerary, stops, options)
    if publish:
        _check_publishable(itinerary)
        itinerary.is_published = True
        itinerary.save(update_fields=["is_published"])
    catalogue_written()
    return itinerary


@transaction.atomic
def itinerary_update(
    *,
    itinerary: Itinerary,
    fields: ItineraryFields,
    themes: Sequence[Theme] | None = None,
    stops: Sequence[StopInput] | None = None,
    options: Sequence[OptionInput] | None = None,
) -> Itinerary:
    """Change an itinerary. Its stops can only be replaced while it has no scheduled departure,
    since moving a stop would silently change the site occupancy of existing departures."""
    locked = Itinerary.objects.select_for_update().get(pk=itinerary.pk)
    if stops is not None and locked.departures.filter(status=DepartureStatus.SCHEDULED).exists():
        raise Conflict(
            ITINERARY_HAS_DEPARTURES,
            _("The stops of an itinerary with scheduled departures cannot be changed."),
            field="stops",
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    if themes is not None:
        locked.themes.set(themes)
    _write_children(locked, stops, options)
    if locked.is_published:
        _check_publishable(locked)
    catalogue_written()
    return locked
