"""A guide's subscription feed (RFC 5545, RFC 7986): one VEVENT per assignment.

The same data always gives the same bytes (so ETag and 304 work and calendar apps do not churn):
nothing here reads the clock, the feed is always written in the office's language whatever the
client asks, and every list is ordered. UIDs never change for a departure; SEQUENCE is the
departure's own sequence (time, place, status) plus the assignment's (its groups), so it only
grows; DTSTAMP is the last change of either.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vGeo

from bookings.models import Booking
from guides.models import Assignment, AssignmentRole, Guide
from itineraries.models import Departure, DepartureStatus, Itinerary

PRODID = "-//Voyages apprenants//Guides//FR"
# Fixed once: a departure's UID is uuid5 of its id in this namespace, random-looking, stable,
# and free of personal data.
UID_NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-4f57-9a0e-2b7c5d9e1f43")
REFRESH = timedelta(hours=1)
# Bump when the feed's bytes change for the same data (properties, wording), so that cached
# feeds are renewed (guides.feeds caches them).
LAYOUT_VERSION = "1"
# The cache namespace every write that a feed shows bumps (guides.receivers).
FEED_NAMESPACE = "guide-feeds"


@dataclass(frozen=True)
class Feed:
    body: bytes
    last_modified: datetime


def departure_uid(departure: Departure) -> str:
    return f"{uuid.uuid5(UID_NAMESPACE, f'departure:{departure.pk}')}@voyages-apprenants"


def last_change(assignment: Assignment) -> datetime:
    return max(assignment.departure.updated_at, assignment.updated_at)


def guide_feed(*, guide: Guide, assignments: list[Assignment]) -> Feed:
    """The guide's calendar; ``assignments`` as ``selectors.feed_assignments`` gives them."""
    with translation.override(settings.LANGUAGE_CODE):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        name = _("Visits — %(guide)s") % {"guide": guide.display_name}
        calendar.add("name", name)
        calendar.add("x-wr-calname", name)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        wording = Wording()
        for assignment in assignments:
            calendar.add_component(_event(assignment, wording))
        calendar.add_missing_timezones()
        body = calendar.to_ical()
    changes = [guide.updated_at, *(last_change(a) for a in assignments)]
    return Feed(body=body, last_modified=max(changes))


def _event(assignment: Assignment, wording: Wording) -> Event:
    departure = assignment.departure
    itinerary = departure.itinerary
    tz = timezone.get_default_timezone()
    stamp = last_change(assignment).astimezone(UTC)
    event = Event()
    event.add("uid", departure_uid(departure))
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("sequence", departure.sequence + assignment.sequence)
    event.add("dtstart", timezone.localtime(departure.starts_at, tz))
    event.add("dtend", timezone.localtime(departure.ends_at, tz))
    event.add("summary", event_summary(assignment, wording))
    event.add("location", wording.meeting_point(itinerary))
    site = itinerary.meeting_site
    if site is not None:
        event.add("geo", vGeo((float(site.latitude), float(site.longitude))))
    cancelled = departure.status == DepartureStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("description", event_description(assignment, wording))
    event.add("url", programme_url(departure))
    return event


def programme_url(departure: Departure) -> str:
    return f"{settings.SITE_URL}/itineraries/{departure.itinerary.slug}"


class Wording:
    """What every event of a feed repeats, read once per feed rather than once per event: the
    translated labels (in the language active when it is made), the itineraries' titles and
    meeting points, and their timetables (stop offsets, titles and site names).

    A feed of a thousand visits over a few itineraries otherwise spends a third of its time
    translating the same labels and reading the same translated fields again and again."""

    def __init__(self) -> None:
        self.cancelled = _("CANCELLED")
        self.role = _("Your role: %(role)s")
        self.language = _("Language: %(language)s")
        self.head_count = _("Head count: %(count)d")
        self.groups = _("Groups:")
        self.no_group = _("(no confirmed group yet)")
        self.timetable = _("Timetable:")
        self.other_guides = _("Other guides:")
        self.programme = _("Programme: %(url)s")
        self.assistant = _("%(title)s (assistant guide)")
        self._displays: dict[tuple[str, str], str] = {}
        self._itineraries: dict[int, tuple[str, str, list[tuple[int, str]]]] = {}

    def display(self, kind: str, value: str, label: Callable[[], str]) -> str:
        key = (kind, value)
        if key not in self._displays:
            self._displays[key] = label()
        return self._displays[key]

    def _itinerary(self, itinerary: Itinerary) -> tuple[str, str, list[tuple[int, str]]]:
        if itinerary.pk not in self._itineraries:
            stops = [
                (stop.offset_minutes, f"{stop.title} — {stop.site.name}")
                for stop in itinerary.stops.all()
            ]
            self._itineraries[itinerary.pk] = (itinerary.title, itinerary.meeting_point, stops)
        return self._itineraries[itinerary.pk]

    def title(self, itinerary: Itinerary) -> str:
        return self._itinerary(itinerary)[0]

    def meeting_point(self, itinerary: Itinerary) -> str:
        return self._itinerary(itinerary)[1]

    def stops(self, itinerary: Itinerary) -> list[tuple[int, str]]:
        return self._itinerary(itinerary)[2]


def event_summary(assignment: Assignment, wording: Wording | None = None) -> str:
    wording = wording or Wording()
    title = wording.title(assignment.departure.itinerary)
    if assignment.role == AssignmentRole.ASSISTANT:
        return wording.assistant % {"title": title}
    return title


def event_description(assignment: Assignment, wording: Wording | None = None) -> str:
    wording = wording or Wording()
    departure = assignment.departure
    bookings: list[Booking] = departure.confirmed_bookings  # type: ignore[attr-defined]
    head_count = sum(booking.participants for booking in bookings)
    role = wording.display("role", assignment.role, assignment.get_role_display)
    language = wording.display("language", departure.language, departure.get_language_display)
    lines = []
    if departure.status == DepartureStatus.CANCELLED:
        lines += [wording.cancelled, ""]
    lines += [
        wording.role % {"role": role},
        wording.language % {"language": language},
        wording.head_count % {"count": head_count},
        "",
        wording.groups,
    ]
    lines += [
        f"- {b.organisation_name} ({b.participants}) — {b.contact_name} {b.contact_phone}".rstrip()
        for b in bookings
    ] or [wording.no_group]
    lines += ["", wording.timetable]
    for offset_minutes, stop in wording.stops(departure.itinerary):
        at = timezone.localtime(departure.starts_at + timedelta(minutes=offset_minutes))
        lines.append(f"{at:%H:%M} {stop}")
    team = [a for a in departure.team if a.pk != assignment.pk]  # type: ignore[attr-defined]
    if team:
        lines += ["", wording.other_guides]
        lines += [f"- {a.guide.display_name} {a.guide.phone}".rstrip() for a in team]
    lines += ["", wording.programme % {"url": programme_url(departure)}]
    return "\n".join(lines)
