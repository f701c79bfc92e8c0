"""Reads of the catalogue. No writes here."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import holidays
from django.conf import settings
from django.db.models import F, Max, Prefetch, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone, translation

from itineraries.models import (
    Closure,
    Departure,
    DepartureStatus,
    Itinerary,
    Site,
    SiteCategory,
    Stop,
)

# The holidays library's name for each language the site speaks.
_HOLIDAY_LANGUAGES = {"fr": "fr", "en": "en_US"}


def itinerary_queryset(*, include_unpublished: bool = False) -> QuerySet[Itinerary]:
    """Itineraries with their duration annotated and their themes prefetched (list views)."""
    qs = Itinerary.objects.annotate(
        duration_annotation=Max(F("stops__offset_minutes") + F("stops__duration_minutes"))
    ).prefetch_related("themes")
    if not include_unpublished:
        qs = qs.filter(is_published=True)
    return qs.order_by("title", "pk")


def itinerary_detail_queryset(*, include_unpublished: bool = False) -> QuerySet[Itinerary]:
    return (
        itinerary_queryset(include_unpublished=include_unpublished)
        .select_related("meeting_site")
        .prefetch_related(
            Prefetch("stops", queryset=Stop.objects.select_related("site").order_by("position")),
            "options",
        )
    )


@dataclass(frozen=True)
class StopWindow:
    site: Site
    starts_at: datetime
    ends_at: datetime


def stop_windows(*, stops: list[Stop], starts_at: datetime) -> list[StopWindow]:
    return [
        StopWindow(
            site=stop.site,
            starts_at=starts_at + timedelta(minutes=stop.offset_minutes),
            ends_at=starts_at + timedelta(minutes=stop.end_offset_minutes),
        )
        for stop in stops
    ]


@dataclass(frozen=True)
class OccupancyConflict:
    site: Site
    at: datetime
    visitors_already: int
    requested: int


@dataclass
class SiteLoad:
    """The stops of scheduled departures at one site, sorted by start for binary search."""

    starts: list[datetime] = field(default_factory=list)
    items: list[tuple[datetime, datetime, int]] = field(default_factory=list)
    longest: timedelta = timedelta(0)

    def peak(self, start: datetime, end: datetime) -> int:
        """Highest sum of capacities present at once inside [start, end) (a sweep)."""
        # Only stops starting in [start - longest stop, end) can overlap the window.
        low = bisect_left(self.starts, start - self.longest)
        high = bisect_left(self.starts, end)
        return _peak_load(self.items[low:high], start, end)


Intervals = dict[int, SiteLoad]


def _peak_load(
    intervals: list[tuple[datetime, datetime, int]], start: datetime, end: datetime
) -> int:
    edges: list[tuple[datetime, int]] = []
    for i_start, i_end, load in intervals:
        if i_start < end and i_end > start:
            edges.append((max(i_start, start), load))
            edges.append((min(i_end, end), -load))
    # At equal times departures leave (-) before others arrive (+): back-to-back is not overlap.
    edges.sort(key=lambda edge: (edge[0], edge[1]))
    peak = current = 0
    for _at, delta in edges:
        current += delta
        peak = max(peak, current)
    return peak


def site_intervals(
    *,
    site_ids: set[int],
    span_start: datetime,
    span_end: datetime,
    exclude_departure_id: int | None = None,
) -> Intervals:
    """Per site, the (start, end, capacity) of scheduled departures' stops there in the span.

    Two queries whatever the number of departures: the scheduled departures overlapping the
    span, then their stops at the sites concerned.
    """
    others = Departure.objects.filter(
        status=DepartureStatus.SCHEDULED, starts_at__lt=span_end, ends_at__gt=span_start
    )
    if exclude_departure_id is not None:
        others = others.exclude(pk=exclude_departure_id)
    departures = list(others.values_list("itinerary_id", "starts_at", "capacity"))
    raw: dict[int, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    if departures:
        stops_by_itinerary: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for itinerary_id, site_id, offset, duration in Stop.objects.filter(
            itinerary_id__in={d[0] for d in departures}, site_id__in=site_ids
        ).values_list("itinerary_id", "site_id", "offset_minutes", "duration_minutes"):
            stops_by_itinerary[itinerary_id].append((site_id, offset, duration))
        for itinerary_id, starts_at, capacity in departures:
            for site_id, offset, duration in stops_by_itinerary[itinerary_id]:
                start = starts_at + timedelta(minutes=offset)
                raw[site_id].append((start, start + timedelta(minutes=duration), capacity))
    loads: Intervals = {}
    for site_id, items in raw.items():
        items.sort(key=lambda item: item[0])
        loads[site_id] = SiteLoad(
            starts=[item[0] for item in items],
            items=items,
            longest=max(item[1] - item[0] for item in items),
        )
    return loads


def first_conflict(
    *, windows: list[StopWindow], capacity: int, intervals: Intervals
) -> OccupancyConflict | None:
    """The first window whose site ``capacity`` more visitors would overfill (no query)."""
    for window in sorted(windows, key=lambda w: w.starts_at):
        load = intervals.get(window.site.pk)
        already = load.peak(window.starts_at, window.ends_at) if load else 0
        if already + capacity > window.site.max_visitors:
            return OccupancyConflict(
                site=window.site, at=window.starts_at, visitors_already=already, requested=capacity
            )
    return None


def with_windows(*, intervals: Intervals, windows: list[StopWindow], capacity: int) -> Intervals:
    """The loads plus a departure not written yet (``capacity`` visitors in ``windows``), so that
    a second departure is judged together with the first (two groups on staggered times). The
    loads given are not changed; only the sites of ``windows`` are copied."""
    loads = dict(intervals)
    for window in windows:
        old = loads.get(window.site.pk) or SiteLoad()
        items = sorted(
            [*old.items, (window.starts_at, window.ends_at, capacity)], key=lambda item: item[0]
        )
        loads[window.site.pk] = SiteLoad(
            starts=[item[0] for item in items],
            items=items,
            longest=max(old.longest, window.ends_at - window.starts_at),
        )
    return loads


def occupancy_conflict(
    *,
    windows: list[StopWindow],
    capacity: int,
    exclude_departure_id: int | None = None,
) -> OccupancyConflict | None:
    """The first site whose ``max_visitors`` a new departure with these windows would exceed."""
    if not windows:
        return None
    intervals = site_intervals(
        site_ids={w.site.pk for w in windows},
        span_start=min(w.starts_at for w in windows),
        span_end=max(w.ends_at for w in windows),
        exclude_departure_id=exclude_departure_id,
    )
    return first_conflict(windows=windows, capacity=capacity, intervals=intervals)


def site_peak_load(*, site: Site) -> int:
    """The most visitors that scheduled departures from now on bring to a site at once."""
    from django.utils import timezone

    now = timezone.now()
    last = Departure.objects.filter(status=DepartureStatus.SCHEDULED, ends_at__gt=now).aggregate(
        last=Max("ends_at")
    )["last"]
    if last is None:
        return 0
    load = site_intervals(site_ids={site.pk}, span_start=now, span_end=last).get(site.pk)
    return load.peak(now, last) if load else 0


def closed_days(*, site_ids: set[int], first_day: date, last_day: date) -> dict[date, str]:
    """The days from ``first_day`` to ``last_day`` on which a visit of these sites cannot be held,
    each with its reason in the active language: the office's closures and these sites' own
    (one query), and the public holidays of ``PUBLIC_HOLIDAYS_COUNTRY`` when
    ``CLOSED_ON_PUBLIC_HOLIDAYS`` is on. A site's closure comes before a holiday's name."""
    closed: dict[date, str] = {}
    if settings.CLOSED_ON_PUBLIC_HOLIDAYS:
        language = _HOLIDAY_LANGUAGES.get(translation.get_language() or "fr", "fr")
        public = holidays.country_holidays(
            settings.PUBLIC_HOLIDAYS_COUNTRY,
            years=range(first_day.year, last_day.year + 1),
            language=language,
        )
        closed.update(
            (day, str(name)) for day, name in public.items() if first_day <= day <= last_day
        )
    closures = Closure.objects.filter(
        Q(site__isnull=True) | Q(site_id__in=site_ids),
        starts_on__lte=last_day,
        ends_on__gte=first_day,
    ).order_by("starts_on", "pk")
    for closure in closures:
        day = max(closure.starts_on, first_day)
        while day <= min(closure.ends_on, last_day):
            closed[day] = closure.reason
            day += timedelta(days=1)
    return closed


def departures_during(*, closure: Closure) -> QuerySet[Departure]:
    """Scheduled departures held on a closure's days, at its site (every site for the office)."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(closure.starts_on, datetime.min.time()), tz)
    end = timezone.make_aware(
        datetime.combine(closure.ends_on + timedelta(days=1), datetime.min.time()), tz
    )
    qs = Departure.objects.filter(
        status=DepartureStatus.SCHEDULED, starts_at__lt=end, ends_at__gt=start
    )
    if closure.site_id is not None:
        qs = qs.filter(itinerary__stops__site_id=closure.site_id).distinct()
    return qs.select_related("itinerary").order_by("starts_at")


def site_card_queryset(*, on_map_only: bool = False, category: str = "") -> QuerySet[Site]:
    """Sites with their key figures and the stops of published itineraries that visit them
    (``published_stops``), in three queries whatever the number of sites; only those that
    demonstrate ``category`` (a ``SiteCategory`` code) when one is given."""
    visits = (
        Stop.objects.filter(itinerary__is_published=True)
        .select_related("itinerary")
        .order_by("itinerary__title", "itinerary__pk", "position")
    )
    qs = Site.objects.prefetch_related(
        "figures", Prefetch("stops", queryset=visits, to_attr="published_stops")
    )
    if on_map_only:
        qs = qs.filter(on_map=True)
    if category:
        qs = qs.annotate(categories_text=Cast("categories", TextField())).filter(
            _has_category(category)
        )
    return qs.order_by("name", "pk")


def _has_category(code: str) -> Q:
    """The sites whose ``categories`` list holds ``code``, the same way on SQLite and
    PostgreSQL: JSONField's ``contains`` is not supported on SQLite, so the list is read as
    its JSON text (``["solar_pv", "heat_pump"]`` on both) and the quoted code looked for.
    Codes are validated known words without quotes, so ``"solar_pv"`` never matches inside
    another code."""
    if code not in SiteCategory.values:
        raise ValueError(f"unknown site category {code!r}")
    return Q(categories_text__contains=f'"{code}"')


def visiting_itineraries(site: Site) -> list[Itinerary]:
    """The published itineraries that visit a site, once each, from the prefetched stops."""
    seen: dict[int, Itinerary] = {}
    for stop in getattr(site, "published_stops", ()):
        seen.setdefault(stop.itinerary_id, stop.itinerary)
    return list(seen.values())
