"""A guide's subscription feed (RFC 5545, RFC 7986): one VEVENT per assignment.

The same data always gives the same bytes (so ETag and 304 work and calendar apps do not churn):
nothing here reads the clock, the feed is always written in the office's language whatever the
client asks, and every list is ordered. UIDs never change for a departure; SEQUENCE is the
departure's own sequence (time, place, status) plus the assignment's (its groups), so it only
grows; DTSTAMP is the last change of either.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vGeo

from bookings.models import Booking
from guides.models import Assignment, AssignmentRole, Guide
from itineraries.models import Departure, DepartureStatus

PRODID = "-//Voyages apprenants//Guides//FR"
# Fixed once: a departure's UID is uuid5 of its id in this namespace, random-looking, stable,
# and free of personal data.
UID_NAMESPACE = uuid.UUID("6f1c2a4e-8d3b-4f57-9a0e-2b7c5d9e1f43")
REFRESH = timedelta(hours=1)


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
        for assignment in assignments:
            calendar.add_component(_event(assignment))
        calendar.add_missing_timezones()
        body = calendar.to_ical()
    changes = [guide.updated_at, *(last_change(a) for a in assignments)]
    return Feed(body=body, last_modified=max(changes))


def _event(assignment: Assignment) -> Event:
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
    summary = itinerary.title
    if assignment.role == AssignmentRole.ASSISTANT:
        summary = _("%(title)s (assistant guide)") % {"title": summary}
    event.add("summary", summary)
    event.add("location", itinerary.meeting_point)
    site = itinerary.meeting_site
    if site is not None:
        event.add("geo", vGeo((float(site.latitude), float(site.longitude))))
    cancelled = departure.status == DepartureStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("description", _description(assignment))
    event.add("url", programme_url(departure))
    return event


def programme_url(departure: Departure) -> str:
    return f"{settings.SITE_URL}/itineraries/{departure.itinerary.slug}"


def _description(assignment: Assignment) -> str:
    departure = assignment.departure
    bookings: list[Booking] = departure.confirmed_bookings  # type: ignore[attr-defined]
    head_count = sum(booking.participants for booking in bookings)
    lines = []
    if departure.status == DepartureStatus.CANCELLED:
        lines += [_("CANCELLED"), ""]
    lines += [
        _("Your role: %(role)s") % {"role": assignment.get_role_display()},
        _("Language: %(language)s") % {"language": departure.get_language_display()},
        _("Head count: %(count)d") % {"count": head_count},
        "",
        _("Groups:"),
    ]
    lines += [
        f"- {b.organisation_name} ({b.participants}) — {b.contact_name} {b.contact_phone}".rstrip()
        for b in bookings
    ] or [_("(no confirmed group yet)")]
    lines += ["", _("Timetable:")]
    for stop in departure.itinerary.stops.all():
        at = timezone.localtime(departure.starts_at + timedelta(minutes=stop.offset_minutes))
        lines.append(f"{at:%H:%M} {stop.title} — {stop.site.name}")
    team = [a for a in departure.team if a.pk != assignment.pk]  # type: ignore[attr-defined]
    if team:
        lines += ["", _("Other guides:")]
        lines += [f"- {a.guide.display_name} {a.guide.phone}".rstrip() for a in team]
    lines += ["", _("Programme: %(url)s") % {"url": programme_url(departure)}]
    return "\n".join(lines)
