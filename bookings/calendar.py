"""The group's own visit as an iCalendar event (RFC 5545), stable across fetches."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vGeo

from bookings.models import Booking, BookingStatus

PRODID = "-//Voyages apprenants//Loos-en-Gohelle//FR"


def booking_uid(booking: Booking) -> str:
    # The reference is random and carries no personal data; it never changes for the booking.
    return f"booking-{booking.reference}@voyages-apprenants"


def booking_page_url(booking: Booking, token: str | None = None) -> str:
    url = f"{settings.SITE_URL}/bookings/{booking.reference}"
    return f"{url}?token={token}" if token else url


def booking_calendar(booking: Booking) -> bytes:
    """One VEVENT for the visit; the same booking data always gives the same bytes."""
    departure = booking.departure
    itinerary = departure.itinerary
    tz = timezone.get_default_timezone()
    with translation.override(booking.correspondence_language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        event = Event()
        event.add("uid", booking_uid(booking))
        event.add("dtstamp", booking.updated_at.astimezone(UTC))
        event.add("last-modified", booking.updated_at.astimezone(UTC))
        event.add("sequence", booking.sequence)
        event.add("dtstart", timezone.localtime(departure.starts_at, tz))
        event.add("dtend", timezone.localtime(departure.ends_at, tz))
        event.add("summary", itinerary.title)
        event.add("location", itinerary.meeting_point)
        if itinerary.meeting_site is not None:
            site = itinerary.meeting_site
            event.add("geo", vGeo((float(site.latitude), float(site.longitude))))
        event.add("status", _ical_status(booking.status))
        event.add("description", _description(booking))
        event.add("url", booking_page_url(booking))
        calendar.add_component(event)
        calendar.add_missing_timezones()
    return calendar.to_ical()


def _ical_status(status: str) -> str:
    if status == BookingStatus.CONFIRMED:
        return "CONFIRMED"
    if status in (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED):
        return "TENTATIVE"
    return "CANCELLED"


def _description(booking: Booking) -> str:
    departure = booking.departure
    lines = [
        _("Booking %(reference)s — %(organisation)s")
        % {"reference": booking.reference, "organisation": booking.organisation_name},
        _("%(count)d participants") % {"count": booking.participants},
        "",
        _("Timetable:"),
    ]
    for stop in departure.itinerary.stops.select_related("site").order_by("position"):
        at = timezone.localtime(departure.starts_at + timedelta(minutes=stop.offset_minutes))
        lines.append(f"{at:%H:%M} {stop.title} — {stop.site.name}")
    return "\n".join(lines)
