"""Reads about bookings and seats. No writes here."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings import links
from bookings.models import (
    SEAT_HOLD_RUNNING_SQL,
    SEATS_TAKING_SQL,
    Booking,
    SeatHold,
    seat_hold_running_q,
    seats_taking_q,
    seats_taking_sql_params,
)
from core.extensions import ExtensionPoint
from core.tokens import token_matches
from itineraries.models import Departure, DepartureKind, DepartureStatus, Itinerary, Stop
from itineraries.selectors import (
    Intervals,
    OccupancyConflict,
    closed_days,
    first_conflict,
    site_intervals,
    stop_windows,
    with_windows,
)

PrivateSlotCheck = Callable[[Itinerary, str | None, int, Sequence[datetime]], Sequence[datetime]]

# Extension point for the apps above bookings (guides), which must not be imported from here:
# each check receives (itinerary, language or None for any offered language, participants,
# candidate aware start times) and returns the subset still possible. A check must load what it
# needs in a fixed number of queries for all the candidates, then decide per start in Python.
private_slot_checks = ExtensionPoint[PrivateSlotCheck]("bookings.private_slot_checks")


def possible_private_starts(
    *, itinerary: Itinerary, language: str | None, participants: int, starts: Sequence[datetime]
) -> list[datetime]:
    """The candidate private start times that every registered check still allows, in order."""
    possible = list(starts)
    for check in private_slot_checks:
        if not possible:
            break
        allowed = set(check(itinerary, language, participants, possible))
        possible = [start for start in possible if start in allowed]
    return possible


StaggeredPair = tuple[datetime, datetime]
StaggeredSlotCheck = Callable[
    [Itinerary, str | None, tuple[int, int], Sequence[StaggeredPair]], Sequence[StaggeredPair]
]

# Extension point for the apps above bookings (guides), like ``private_slot_checks`` but for
# two groups on staggered times: each check receives (itinerary, language or None, the two
# sub-groups' sizes, candidate pairs of aware start times) and returns the pairs still possible.
# The two visits overlap, so a check must judge both at once (one guide cannot lead both).
staggered_slot_checks = ExtensionPoint[StaggeredSlotCheck]("bookings.staggered_slot_checks")


def possible_staggered_starts(
    *,
    itinerary: Itinerary,
    language: str | None,
    split: tuple[int, int],
    pairs: Sequence[StaggeredPair],
) -> list[StaggeredPair]:
    """The candidate pairs of start times that every registered check still allows, in order."""
    possible = list(pairs)
    for check in staggered_slot_checks:
        if not possible:
            break
        allowed = set(check(itinerary, language, split, possible))
        possible = [pair for pair in possible if pair in allowed]
    return possible


# Extension point for the app that owns refunds (payments), which must not be imported from
# here: each contributor returns the cents of the booking's refunds that are decided but not
# yet paid back (pending at Stripe, owed by staff). ``Booking.amount_paid_cents`` already
# deducts the refunds done. The contributor reads rows that change only under the booking
# lock, so a caller holding that lock gets a stable answer.
RefundsInFlight = Callable[[Booking], int]
refunds_in_flight = ExtensionPoint[RefundsInFlight]("bookings.refunds_in_flight")


def refundable_cents(booking: Booking) -> int:
    """What the cancellation policy applies to: what was paid minus every refund pending, owed
    or done. The one base of the terms shown in advance, the cancel answer and the refund.

    Applying the percentage to the gross amount paid would give back twice what a smaller group
    is already being refunded (a pending overpayment refund, then 100 % of the gross).
    """
    in_flight = sum(contributor(booking) for contributor in refunds_in_flight)
    return max(booking.amount_paid_cents - in_flight, 0)


# Extension point for the app that owns invoices (invoicing), which must not be imported from
# here: each contributor returns the cents the booking's issued invoices still claim (their
# totals minus their credit notes). A contributor may read an annotation that one of
# ``booking_list_annotations`` put on the row, so that a list costs no query per booking.
InvoicedNet = Callable[[Booking], int]
invoiced_net = ExtensionPoint[InvoicedNet]("bookings.invoiced_net")
BookingAnnotation = Callable[[QuerySet[Booking]], QuerySet[Booking]]
booking_list_annotations = ExtensionPoint[BookingAnnotation]("bookings.booking_list_annotations")


@dataclass(frozen=True)
class Invoiced:
    """What a booking's invoices claim, and how much of it the group has settled.

    ``paid_cents`` is what the group paid and keeps with the office (paid minus every refund
    pending, owed or done: the base of ``refundable_cents``), up to what is invoiced; the rest
    is ``due_cents``. After a cancellation, ``net_cents`` is the cancellation fee."""

    net_cents: int
    paid_cents: int
    due_cents: int


def booking_invoiced(booking: Booking) -> Invoiced | None:
    """The booking's invoiced amounts, or None when no app keeps invoices."""
    if not invoiced_net:
        return None
    net = sum(contributor(booking) for contributor in invoiced_net)
    paid = min(refundable_cents(booking), max(net, 0))
    return Invoiced(net_cents=net, paid_cents=paid, due_cents=max(net - paid, 0))


_SEATS_TAKEN_SQL = (
    f"SELECT COALESCE(SUM(participants), 0) FROM {Booking._meta.db_table}"  # noqa: S608
    f" WHERE departure_id = %s AND {SEATS_TAKING_SQL}"
)
_SEATS_HELD_SQL = (
    f"SELECT COALESCE(SUM(seats), 0) FROM {SeatHold._meta.db_table}"  # noqa: S608
    f" WHERE departure_id = %s AND {SEAT_HOLD_RUNNING_SQL}"
)


def seats_taken(
    *,
    departure_id: int,
    exclude_booking_id: int | None = None,
    exclude_hold_id: int | None = None,
) -> int:
    """Seats taken on a departure right now: the bookings that take seats (the seat rule's SQL
    form) plus the running seat holds (the hold rule's), less the booking or hold excluded."""
    now = timezone.now()
    bookings_sql = _SEATS_TAKEN_SQL
    params: list[Any] = [departure_id, *seats_taking_sql_params(now)]
    if exclude_booking_id is not None:
        bookings_sql += " AND id <> %s"
        params.append(exclude_booking_id)
    holds_sql = _SEATS_HELD_SQL
    params += [departure_id, now]
    if exclude_hold_id is not None:
        holds_sql += " AND id <> %s"
        params.append(exclude_hold_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({bookings_sql}) + ({holds_sql})", params)
        return int(cursor.fetchone()[0])


def _seats_held_subquery(now: Any) -> Subquery:
    """The running holds' seats of the outer departure, as one subquery (a second join beside
    the bookings' would multiply the rows summed)."""
    return Subquery(
        SeatHold.objects.filter(seat_hold_running_q(now), departure=OuterRef("pk"))
        .order_by()
        .values("departure")
        .annotate(total=Sum("seats"))
        .values("total")[:1],
        output_field=IntegerField(),
    )


def with_seats_taken(qs: QuerySet[Departure]) -> QuerySet[Departure]:
    """Annotate ``seats_taken_now`` in the same query (no query per departure): the bookings
    that take seats and the running seat holds."""
    now = timezone.now()
    # A subquery per departure, not a join and GROUP BY: PostgreSQL then sorts and cuts a page
    # of departures before it counts their seats (a staff list of 7,100 departures and 21,300
    # bookings: 0.45 s grouping them all, bench/scale.py), and counts only the page's.
    taken = (
        Booking.objects.filter(seats_taking_q(now), departure=OuterRef("pk"))
        .order_by()
        .values("departure")
        .annotate(total=Sum("participants"))
        .values("total")[:1]
    )
    return qs.annotate(
        seats_taken_now=Coalesce(Subquery(taken), Value(0), output_field=IntegerField())
        + Coalesce(_seats_held_subquery(now), Value(0), output_field=IntegerField())
    )


def booking_for_token(*, reference: str, token: str | None) -> Booking | None:
    """The booking if the token is its own; None otherwise (same answer for both failures)."""
    booking = (
        Booking.objects.select_related("departure__itinerary").filter(reference=reference).first()
    )
    # Compare even when the reference is unknown, so both failures cost the same.
    stored = booking.token_hash if booking is not None else "0" * 64
    if token_matches(token, stored) and booking is not None:
        return booking
    # A later organiser link (an e-mail's, a "find my booking" one): bookings.links.
    if booking is not None and links.is_organiser_token(booking=booking, token=token):
        return booking
    return None


def booking_for_contact(*, reference: str, email: str) -> Booking | None:
    """The booking with this reference and contact e-mail (case and spaces aside), if any."""
    booking = (
        Booking.objects.select_related("departure__itinerary")
        .filter(reference=reference.strip().upper())
        .exclude(contact_email="")  # anonymised: nobody to write to
        .first()
    )
    if booking is None or booking.contact_email.strip().lower() != email.strip().lower():
        return None
    return booking


def booking_for_reader(*, reference: str, token: str | None) -> Booking | None:
    """The booking for its organiser's token or its participants' (read-only) token."""
    booking = (
        Booking.objects.select_related("departure__itinerary").filter(reference=reference).first()
    )
    if booking is None:
        token_matches(token, "0" * 64)  # the same cost as a wrong token
        return None
    if links.is_participants_token(booking=booking, token=token):
        return booking
    return booking_for_token(reference=reference, token=token)


def largest_private_group(itinerary: Itinerary, stops: Iterable[Stop] | None = None) -> int:
    """The largest group a private date of the itinerary takes: what every one of its sites holds
    at once (the smallest ``max_visitors``), led by as many guides as the group needs.

    ``max_participants`` bounds a group on a public departure; a private date is the group's
    alone, so only the sites and the guides limit it. Never below ``max_participants``: a site
    smaller than that is refused by the site check anyway. ``stops`` with their sites loaded
    (the catalogue prefetches them), or read here in one query.
    """
    if stops is None:
        stops = itinerary.stops.select_related("site")
    smallest = min((stop.site.max_visitors for stop in stops), default=0)
    return max(itinerary.max_participants, smallest)


def guides_needed(itinerary: Itinerary, participants: int) -> int:
    return math.ceil(participants / itinerary.participants_per_guide)


def staggered_split(
    itinerary: Itinerary, participants: int, stops: Iterable[Stop] | None = None
) -> tuple[int, int] | None:
    """The two sub-groups a group too large for one private date visits as (the larger first:
    41 gives 21 and 20), or None when the group fits one date or two groups do not fit either
    (each half within ``largest_private_group`` and at least ``min_participants``)."""
    largest = largest_private_group(itinerary, stops)
    first, second = (participants + 1) // 2, participants // 2
    if (
        not itinerary.private_dates_allowed
        or participants <= largest
        or first > largest
        or second < itinerary.min_participants
    ):
        return None
    return first, second


def group_fit(itinerary: Itinerary, participants: int) -> dict[str, Any]:
    """What the itinerary offers a group of this size: a public departure, a private date (led
    by ``guides_needed`` guides), two groups on staggered times (``split``, the second
    ``stagger_minutes`` after the first), or a quote request to the office when nothing fits."""
    stops = itinerary.stops.all()
    largest_private = largest_private_group(itinerary, stops)
    split = None
    if participants <= itinerary.max_participants:
        fits = "public"
    elif itinerary.private_dates_allowed and participants <= largest_private:
        fits = "private"
    elif (split := staggered_split(itinerary, participants, stops)) is not None:
        fits = "staggered"
    else:
        fits = "quote"
    return {
        "participants": participants,
        "fits": fits,
        "guides_needed": guides_needed(itinerary, participants),
        "largest_public_group": itinerary.max_participants,
        "largest_private_group": largest_private,
        "split": list(split) if split else None,
        "stagger_minutes": itinerary.stagger_minutes,
        "office_email": settings.OFFICE_EMAIL,
    }


# Why a day offers no private start time (``private_unavailable``), for the calendar to say it.
PRIVATE_NOT_OFFERED = "private_not_offered"  # no private dates, or a site closed for good
GROUP_TOO_SMALL = "group_too_small"
GROUP_TOO_LARGE = "group_too_large"  # more than the sites hold: a quote request
LANGUAGE_NOT_OFFERED = "language_not_offered"
DAY_CLOSED = "closed"
LEAD_TIME = "lead_time"  # too close to book
SITE_CAPACITY = "site_capacity"  # the sites are taken by other visits then
NO_GUIDE = "no_guide"  # a registered check (the guides) refused every start


def availability(
    *,
    itinerary: Itinerary,
    first_day: date,
    last_day: date,
    participants: int,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Per day: public departures with seats left, and the private start times that are free.

    A fixed number of queries whatever the number of days: departures with their seats, then the
    scheduled departures and stops occupying the itinerary's sites over the whole period, then
    what the registered private-slot checks load (guides) for the whole period. ``language``
    (None: any language the itinerary offers) is the language a private visit would be led in.
    """
    tz = timezone.get_current_timezone()
    span_start = timezone.make_aware(datetime.combine(first_day, time.min), tz)
    span_end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min), tz)
    now = timezone.now()
    departures = with_seats_taken(
        Departure.objects.filter(
            itinerary=itinerary,
            status=DepartureStatus.SCHEDULED,
            kind=DepartureKind.PUBLIC,
            starts_at__gte=max(span_start, now),
            starts_at__lt=span_end,
        )
    ).order_by("starts_at")
    days: dict[date, dict[str, Any]] = {}
    day = first_day
    while day <= last_day:
        days[day] = {
            "date": day.isoformat(),
            "closed": None,
            "departures": [],
            "private_start_times": [],
            "private_unavailable": None,
            # Two groups on staggered times (only for a group ``group_fit`` splits): pairs of
            # start times, and why the day has none, in the words of ``private_unavailable``.
            "staggered_start_times": [],
            "staggered_unavailable": None,
        }
        day += timedelta(days=1)
    site_ids = {stop.site_id for stop in itinerary.stops.all()}  # prefetched by the catalogue
    for day, reason in closed_days(
        site_ids=site_ids, first_day=first_day, last_day=last_day
    ).items():
        days[day]["closed"] = reason
    for departure in departures:
        departure.itinerary = itinerary  # read by go_no_go, without a query per departure
        taken = departure.seats_taken_now  # type: ignore[attr-defined]
        seats_left = max(departure.capacity - taken, 0)
        days[timezone.localtime(departure.starts_at, tz).date()]["departures"].append(
            {
                "id": departure.pk,
                "starts_at": departure.starts_at,
                "ends_at": departure.ends_at,
                "language": departure.language,
                "capacity": departure.capacity,
                "seats_left": seats_left,
                "bookable": seats_left >= participants,
                # A public departure's minimum (issue 18): how many more it needs, decided when.
                "go_no_go": departure.go_no_go(taken),
            }
        )
    _private_times(itinerary, days, participants, language, span_start, span_end, now, tz)
    return list(days.values())


def _private_refusal(itinerary: Itinerary, participants: int, language: str | None) -> str | None:
    """Why no day can offer a private time to this group, or None."""
    if not itinerary.private_dates_allowed:
        return PRIVATE_NOT_OFFERED
    if participants < itinerary.min_participants:
        return GROUP_TOO_SMALL
    if language is not None and language not in itinerary.languages:
        return LANGUAGE_NOT_OFFERED
    return None


def _private_times(
    itinerary: Itinerary,
    days: dict[date, dict[str, Any]],
    participants: int,
    language: str | None,
    span_start: datetime,
    span_end: datetime,
    now: datetime,
    tz: Any,
) -> None:
    """Fill each day's private start times, or say why there is none (``private_unavailable``):
    each day keeps the furthest stage its start times reached (closed, lead time, sites,
    guides)."""
    refusal = _private_refusal(itinerary, participants, language)
    stops: list[Stop] = []
    split = None
    if refusal is None:
        stops = list(itinerary.stops.select_related("site").order_by("position"))
        if not stops or any(not stop.site.is_bookable for stop in stops):
            refusal = PRIVATE_NOT_OFFERED
        elif participants > largest_private_group(itinerary, stops):
            refusal = GROUP_TOO_LARGE
            split = staggered_split(itinerary, participants, stops)
    if refusal is not None:
        for entry in days.values():
            entry["private_unavailable"] = refusal
        if split is None:
            return
    earliest = now + timedelta(days=itinerary.lead_time_days)
    duration = timedelta(minutes=max(stop.end_offset_minutes for stop in stops))
    intervals = site_intervals(
        site_ids={stop.site_id for stop in stops},
        span_start=span_start,
        span_end=span_end + duration + timedelta(minutes=itinerary.stagger_minutes),
    )
    if split is not None:
        _staggered_times(itinerary, days, split, language, stops, intervals, earliest, tz)
        return
    candidates: list[tuple[dict[str, Any], datetime]] = []
    for day, entry in days.items():
        if entry["closed"]:
            entry["private_unavailable"] = DAY_CLOSED
            continue
        entry["private_unavailable"] = LEAD_TIME
        for start in itinerary.private_start_times:
            starts_at = timezone.make_aware(datetime.combine(day, time.fromisoformat(start)), tz)
            if starts_at < earliest:
                continue
            windows = stop_windows(stops=stops, starts_at=starts_at)
            if first_conflict(windows=windows, capacity=participants, intervals=intervals) is None:
                entry["private_unavailable"] = NO_GUIDE
                candidates.append((entry, starts_at))
            elif entry["private_unavailable"] == LEAD_TIME:
                entry["private_unavailable"] = SITE_CAPACITY
    possible = set(
        possible_private_starts(
            itinerary=itinerary,
            language=language,
            participants=participants,
            starts=[starts_at for _entry, starts_at in candidates],
        )
    )
    for entry, starts_at in candidates:
        if starts_at in possible:
            entry["private_start_times"].append(starts_at)
            entry["private_unavailable"] = None


def staggered_site_conflict(
    *, stops: list[Stop], pair: StaggeredPair, split: tuple[int, int], intervals: Intervals
) -> OccupancyConflict | None:
    """The first site the two sub-groups would overfill, judged together: the second group's
    visit counts the first's (they overlap), on top of the departures already scheduled."""
    first_windows = stop_windows(stops=stops, starts_at=pair[0])
    conflict = first_conflict(windows=first_windows, capacity=split[0], intervals=intervals)
    if conflict is not None:
        return conflict
    return first_conflict(
        windows=stop_windows(stops=stops, starts_at=pair[1]),
        capacity=split[1],
        intervals=with_windows(intervals=intervals, windows=first_windows, capacity=split[0]),
    )


def _staggered_times(
    itinerary: Itinerary,
    days: dict[date, dict[str, Any]],
    split: tuple[int, int],
    language: str | None,
    stops: list[Stop],
    intervals: Intervals,
    earliest: datetime,
    tz: Any,
) -> None:
    """Fill each day's pairs of staggered start times (the first at an offered private time, the
    second ``stagger_minutes`` later), or say why there is none (``staggered_unavailable``), as
    ``_private_times`` does for one group. No query beyond what the checks load."""
    stagger = timedelta(minutes=itinerary.stagger_minutes)
    candidates: list[tuple[dict[str, Any], StaggeredPair]] = []
    for day, entry in days.items():
        if entry["closed"]:
            entry["staggered_unavailable"] = DAY_CLOSED
            continue
        entry["staggered_unavailable"] = LEAD_TIME
        for start in itinerary.private_start_times:
            first = timezone.make_aware(datetime.combine(day, time.fromisoformat(start)), tz)
            if first < earliest:
                continue
            pair = (first, first + stagger)
            if staggered_site_conflict(stops=stops, pair=pair, split=split, intervals=intervals):
                if entry["staggered_unavailable"] == LEAD_TIME:
                    entry["staggered_unavailable"] = SITE_CAPACITY
                continue
            entry["staggered_unavailable"] = NO_GUIDE
            candidates.append((entry, pair))
    possible = set(
        possible_staggered_starts(
            itinerary=itinerary,
            language=language,
            split=split,
            pairs=[pair for _entry, pair in candidates],
        )
    )
    for entry, pair in candidates:
        if pair in possible:
            entry["staggered_start_times"].append(list(pair))
            entry["staggered_unavailable"] = None


def staff_booking_queryset() -> QuerySet[Booking]:
    qs = Booking.objects.select_related("departure__itinerary", "companion__departure")
    for annotate in booking_list_annotations:
        qs = annotate(qs)
    return qs
