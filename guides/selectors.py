"""Reads about guides: availability rules, how many guides a departure needs, suggestions.

No writes here. Times of weekly hours are local (``TIME_ZONE``, Europe/Paris).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import Booking, BookingStatus, Participant, seats_taking_q
from bookings.selectors import seats_taken, with_seats_taken
from core.tokens import derived_token, hash_token, token_matches
from guides.models import Assignment, AssignmentRole, Guide, TimeOff, WeeklyAvailability
from itineraries.models import Departure, DepartureStatus, Itinerary, Stop

PAST_EVENTS_KEPT = timedelta(days=30)
MAX_TOKEN_LENGTH = 200


def travel_buffer() -> timedelta:
    return timedelta(minutes=settings.GUIDE_TRAVEL_BUFFER_MINUTES)


def buffered_range(*, starts_at: datetime, ends_at: datetime) -> tuple[datetime, datetime]:
    """The range an assignment occupies: the visit plus the travel buffer on each side."""
    buffer = travel_buffer()
    return starts_at - buffer, ends_at + buffer


def fits_weekly_hours(
    *, slots: Iterable[WeeklyAvailability], starts_at: datetime, ends_at: datetime
) -> bool:
    """Whether the visit lies inside one weekly window of its local day.

    The visit itself is compared, not the travel buffer: a guide who works 9:00-17:00 can lead a
    visit from 9:00, travelling before. A visit that runs past midnight never fits."""
    start = timezone.localtime(starts_at)
    end = timezone.localtime(ends_at)
    if end.date() != start.date():
        return False
    return any(
        slot.weekday == start.weekday()
        and slot.start_time <= start.time()
        and end.time() <= slot.end_time
        for slot in slots
    )


def time_off_during(*, guide_id: int, starts_at: datetime, ends_at: datetime) -> TimeOff | None:
    """The first period of time off that overlaps the visit, if any."""
    return (
        TimeOff.objects.filter(guide_id=guide_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )


def overlapping_assignment(
    *,
    guide_id: int,
    starts_at: datetime,
    ends_at: datetime,
    exclude_departure_id: int | None = None,
) -> Assignment | None:
    """The guide's first assignment whose buffered range overlaps this buffered range.

    Cancelled departures count too, as they do for the database's exclusion constraint: the
    assignment is kept so that the guide's calendar shows the cancellation."""
    qs = Assignment.objects.select_related("departure__itinerary").filter(
        guide_id=guide_id, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude_departure_id is not None:
        qs = qs.exclude(departure_id=exclude_departure_id)
    return qs.order_by("starts_at", "pk").first()


def guides_needed(*, departure: Departure) -> int:
    """``ceil(seats taken / participants per guide)``, and at least one guide."""
    taken = seats_taken(departure_id=departure.pk)
    return needed_for_seats(taken, departure.itinerary.participants_per_guide)


def needed_for_seats(seats: int, participants_per_guide: int) -> int:
    return max(1, math.ceil(seats / participants_per_guide))


@dataclass(frozen=True)
class Coverage:
    departure: Departure
    guides_needed: int
    guides_assigned: int

    @property
    def missing(self) -> int:
        return max(self.guides_needed - self.guides_assigned, 0)


def departures_lacking_guides(*, first_day: date, last_day: date) -> list[Coverage]:
    """Scheduled departures starting between two local days (both included) that have fewer
    guides than they need, soonest first. One query whatever the number of departures."""
    span_start = timezone.make_aware(datetime.combine(first_day, time.min))
    span_end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    # A subquery, not a join: joining assignments would multiply the seats summed over bookings.
    assigned = (
        Assignment.objects.filter(departure=OuterRef("pk"))
        .order_by()
        .values("departure")
        .annotate(n=Count("pk"))
        .values("n")
    )
    departures = with_seats_taken(
        Departure.objects.filter(
            status=DepartureStatus.SCHEDULED, starts_at__gte=span_start, starts_at__lt=span_end
        ).select_related("itinerary")
    ).annotate(guides_assigned=Coalesce(Subquery(assigned), Value(0), output_field=IntegerField()))
    rows = [
        Coverage(
            departure=departure,
            guides_needed=needed_for_seats(
                departure.seats_taken_now,  # type: ignore[attr-defined]
                departure.itinerary.participants_per_guide,
            ),
            guides_assigned=departure.guides_assigned,
        )
        for departure in departures.order_by("starts_at", "pk")
    ]
    return [row for row in rows if row.missing]


@dataclass(frozen=True)
class Suggestion:
    guide: Guide
    shared_themes: int
    assignments_this_month: int


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The local calendar month around ``moment``, as two aware datetimes."""
    local = timezone.localtime(moment)
    first = timezone.make_aware(datetime.combine(local.date().replace(day=1), time.min))
    following = (first.date() + timedelta(days=32)).replace(day=1)
    return first, timezone.make_aware(datetime.combine(following, time.min))


def _candidates(departure: Departure) -> QuerySet[Guide]:
    starts, ends = buffered_range(starts_at=departure.starts_at, ends_at=departure.ends_at)
    month_start, month_end = month_bounds(departure.starts_at)
    theme_ids = [theme.pk for theme in departure.itinerary.themes.all()]
    shared = (
        Count("themes", filter=Q(themes__in=theme_ids), distinct=True)
        if theme_ids
        else Value(0, output_field=IntegerField())
    )
    return (
        Guide.objects.filter(is_active=True)
        .exclude(assignments__departure=departure)
        .annotate(
            shared_themes=shared,
            month_load=Count(
                "assignments",
                filter=Q(
                    assignments__departure__starts_at__gte=month_start,
                    assignments__departure__starts_at__lt=month_end,
                    assignments__departure__status=DepartureStatus.SCHEDULED,
                ),
                distinct=True,
            ),
        )
        .prefetch_related(
            "weekly_hours",
            Prefetch(
                "time_off",
                queryset=TimeOff.objects.filter(
                    starts_at__lt=departure.ends_at, ends_at__gt=departure.starts_at
                ),
                to_attr="time_off_during_visit",
            ),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(starts_at__lt=ends, ends_at__gt=starts),
                to_attr="overlapping_assignments",
            ),
        )
    )


def guide_suggestions(*, departure: Departure) -> list[Suggestion]:
    """Active guides not yet on the departure, free for it and speaking its language, best first:
    most themes shared with the itinerary, then fewest assignments in the departure's month,
    then by name. Six queries whatever the number of guides."""
    suggestions = [
        Suggestion(
            guide=guide,
            shared_themes=int(guide.shared_themes),  # type: ignore[attr-defined]
            assignments_this_month=int(guide.month_load),  # type: ignore[attr-defined]
        )
        for guide in _candidates(departure)
        if departure.language in guide.languages
        and fits_weekly_hours(
            slots=guide.weekly_hours.all(),
            starts_at=departure.starts_at,
            ends_at=departure.ends_at,
        )
        and not guide.time_off_during_visit  # type: ignore[attr-defined]
        and not guide.overlapping_assignments  # type: ignore[attr-defined]
    ]
    suggestions.sort(
        key=lambda s: (
            -s.shared_themes,
            s.assignments_this_month,
            s.guide.display_name.casefold(),
            s.guide.pk,
        )
    )
    return suggestions


def guide_list() -> QuerySet[Guide]:
    return Guide.objects.prefetch_related("themes", "weekly_hours").order_by("display_name", "pk")


def guide_schedule(*, guide: Guide, first_day: date, last_day: date) -> QuerySet[Assignment]:
    """The guide's assignments whose visit starts between two local days (both included),
    cancelled departures included so that the guide sees the cancellation.

    ``participants`` counts confirmed groups; ``departure.live_bookings`` lists every group
    that takes seats now (confirmed, or a request or payment whose hold runs), for the guide
    page to show requests apart, each with its named participants and their needs
    (``live_bookings[i].named``): the guide sees them only for the departures assigned to them.
    Four queries with the guide's own."""
    span_start = timezone.make_aware(datetime.combine(first_day, time.min))
    span_end = timezone.make_aware(datetime.combine(last_day + timedelta(days=1), time.min))
    confirmed = Q(departure__bookings__status=BookingStatus.CONFIRMED)
    named = Participant.objects.order_by("created_at", "pk")
    live = (
        Booking.objects.filter(seats_taking_q(timezone.now()))
        .prefetch_related(Prefetch("participant_entries", queryset=named, to_attr="named"))
        .order_by("created_at", "pk")
    )
    return (
        Assignment.objects.select_related("departure__itinerary")
        .prefetch_related(Prefetch("departure__bookings", queryset=live, to_attr="live_bookings"))
        .filter(
            guide=guide,
            departure__starts_at__gte=span_start,
            departure__starts_at__lt=span_end,
        )
        .annotate(
            participants=Coalesce(
                Sum("departure__bookings__participants", filter=confirmed),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("departure__starts_at", "pk")
    )


# The purpose a guide's feed token is derived for (core.tokens.derived_token).
FEED_TOKEN_PURPOSE = "guides.feed-token"  # noqa: S105 (a label, not a secret)


def guide_feed_token(guide: Guide) -> str | None:
    """The guide's current feed token, derived again from its stored seed; None when there is
    none, or when it was made before seeds were stored or under another ``SECRET_KEY`` (the
    guide then makes a new link)."""
    if not guide.feed_token_hash or not guide.feed_token_seed:
        return None
    token = derived_token(purpose=FEED_TOKEN_PURPOSE, seed=guide.feed_token_seed)
    return token if token_matches(token, guide.feed_token_hash) else None


def guide_for_feed_token(token: str) -> Guide | None:
    """The active guide whose feed token this is; None for any other token.

    Every token takes the same path (hash, one indexed look-up, constant-time compare), so an
    unknown, rotated or malformed token answers like any other."""
    token = token[:MAX_TOKEN_LENGTH]
    guide = Guide.objects.filter(feed_token_hash=hash_token(token), is_active=True).first()
    stored = guide.feed_token_hash if guide is not None else "0" * 64
    if not token_matches(token, stored) or guide is None:
        return None
    return guide


def feed_assignments(*, guide: Guide, now: datetime) -> list[Assignment]:
    """The guide's assignments for the feed: every future one, and past ones for 30 days, with
    what the events show (confirmed groups, stops, the other guides). Seven queries.

    The itineraries (with their meeting site and stops) and the team's guides are prefetched
    rather than joined: a thousand visits share a few itineraries and guides, and each is then
    one object instead of one per visit (most of the time of a big feed went to building them).
    """
    return list(
        Assignment.objects.filter(guide=guide, departure__ends_at__gte=now - PAST_EVENTS_KEPT)
        .select_related("departure")
        # Not shown: the buffered range and the creation of each row (fewer dates to parse).
        .defer("starts_at", "ends_at", "created_at", "departure__created_at", "departure__notes")
        .prefetch_related(
            Prefetch(
                "departure__bookings",
                queryset=Booking.objects.filter(status=BookingStatus.CONFIRMED).order_by(
                    "reference"
                ),
                to_attr="confirmed_bookings",
            ),
            Prefetch(
                "departure__itinerary",
                queryset=Itinerary.objects.select_related("meeting_site").prefetch_related(
                    Prefetch(
                        "stops", queryset=Stop.objects.select_related("site").order_by("position")
                    )
                ),
            ),
            # The other guides of each visit (the guide's own assignments are the main query).
            Prefetch(
                "departure__guide_assignments",
                queryset=Assignment.objects.exclude(guide=guide)
                .only("pk", "departure_id", "guide_id")
                .order_by("guide__display_name", "pk")
                .prefetch_related("guide"),
                to_attr="team",
            ),
        )
        .order_by("departure__starts_at", "departure_id")
    )


def _guides_speaking(languages: Sequence[str], first: datetime, last: datetime) -> list[Guide]:
    """Active guides speaking one of ``languages``, with their weekly hours, time off and
    assignments between ``first`` and ``last`` loaded: four queries."""
    span_start, span_end = buffered_range(starts_at=first, ends_at=last)
    return [
        guide
        for guide in Guide.objects.filter(is_active=True)
        .order_by("pk")
        .prefetch_related(
            "weekly_hours",
            Prefetch(
                "time_off",
                queryset=TimeOff.objects.filter(starts_at__lt=last, ends_at__gt=first),
                to_attr="time_off_in_period",
            ),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(starts_at__lt=span_end, ends_at__gt=span_start),
                to_attr="assignments_in_period",
            ),
        )
        if any(code in guide.languages for code in languages)
    ]


def _free_guides(guides: list[Guide], starts_at: datetime, ends_at: datetime) -> list[Guide]:
    """The loaded guides free for this visit: weekly hours, time off, other visits (buffered)."""
    buffered_start, buffered_end = buffered_range(starts_at=starts_at, ends_at=ends_at)
    return [
        guide
        for guide in guides
        if fits_weekly_hours(slots=guide.weekly_hours.all(), starts_at=starts_at, ends_at=ends_at)
        and not any(
            off.starts_at < ends_at and off.ends_at > starts_at
            for off in guide.time_off_in_period  # type: ignore[attr-defined]
        )
        and not any(
            taken.starts_at < buffered_end and taken.ends_at > buffered_start
            for taken in guide.assignments_in_period  # type: ignore[attr-defined]
        )
    ]


def private_starts_with_guides(
    itinerary: Itinerary, language: str | None, participants: int, starts: Sequence[datetime]
) -> list[datetime]:
    """The start times at which enough guides are free to lead a private visit of the itinerary.

    Registered into ``bookings.selectors.private_slot_checks``. A start is possible when at least
    ``ceil(participants / participants per guide)`` active guides speaking ``language`` (None: any
    one language the itinerary offers) are free for the whole visit: inside their weekly hours,
    not on time off, and with no assignment within the travel buffer. Four queries whatever the
    number of starts (guides, their weekly hours, time off and assignments over the period)."""
    if not starts:
        return []
    languages = [language] if language is not None else list(itinerary.languages)
    needed = needed_for_seats(participants, itinerary.participants_per_guide)
    duration = itinerary.duration
    guides = _guides_speaking(languages, min(starts), max(starts) + duration)
    possible = []
    for starts_at in starts:
        free = _free_guides(guides, starts_at, starts_at + duration)
        if any(sum(code in guide.languages for guide in free) >= needed for code in languages):
            possible.append(starts_at)
    return possible


def staggered_starts_with_guides(
    itinerary: Itinerary,
    language: str | None,
    split: tuple[int, int],
    pairs: Sequence[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime]]:
    """The pairs of start times at which enough guides are free to lead both sub-groups of two
    groups on staggered times, in one language, each guide leading one sub-group only.

    Registered into ``bookings.selectors.staggered_slot_checks``. The two visits overlap, so the
    guides of the first cannot lead the second: with F1 and F2 the guides free for each visit
    and n1, n2 the guides each needs, both can be led when |F1| >= n1, |F2| >= n2 and
    |F1 union F2| >= n1 + n2 (Hall's condition for two groups). Conservative when the stagger is
    longer than a visit plus the travel buffers (one guide could then lead both). Four queries.
    """
    if not pairs:
        return []
    languages = [language] if language is not None else list(itinerary.languages)
    needs = [needed_for_seats(size, itinerary.participants_per_guide) for size in split]
    duration = itinerary.duration
    first = min(pair[0] for pair in pairs)
    last = max(pair[1] for pair in pairs) + duration
    guides = _guides_speaking(languages, first, last)
    possible = []
    for pair in pairs:
        free = [{guide.pk for guide in _free_guides(guides, at, at + duration)} for at in pair]
        for code in languages:
            speaking = {guide.pk for guide in guides if code in guide.languages}
            one, two = free[0] & speaking, free[1] & speaking
            if len(one) >= needs[0] and len(two) >= needs[1] and len(one | two) >= sum(needs):
                possible.append(pair)
                break
    return possible


def programme_guides(booking: Booking) -> list[dict[str, str]]:
    """The guides section of a booking's programme (``bookings.programme.programme_sections``,
    registered in ``GuidesConfig.ready()``): the departure's guides, lead guides first, with
    their phone and role. Runs inside the booking's language."""
    assignments = Assignment.objects.filter(departure_id=booking.departure_id).select_related(
        "guide"
    )
    ordered = sorted(
        assignments,
        key=lambda a: (a.role != AssignmentRole.LEAD, a.guide.display_name, a.guide_id),
    )
    return [
        {"name": a.guide.display_name, "phone": a.guide.phone, "detail": a.get_role_display()}
        for a in ordered
    ]
