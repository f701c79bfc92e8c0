"""The sign-in sheet (feuille d'émargement) of a training booking (issue 16, item 5): a PDF in
the group's language listing its named participants with one signature column per half-day of
the visit, and a row for the trainers' signatures, printed before the visit and signed on the
day. It is what proves, with the certificates of completion, that the training took place.

The half-days come from the itinerary's stops: a stop starting before ``AFTERNOON_FROM`` (13:00,
Paris time) belongs to the morning, the others to the afternoon; each half-day's hours run from
its first stop's start to its last stop's end. A visit without stops has one column, its start
to its end. A group with fewer names than its head count gets blank rows for the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings.models import Booking
from core.pdf import render_pdf
from guides.models import Assignment
from visits.certificates import VISIT_TIMEZONE, issuer

AFTERNOON_FROM = time(13, 0)


@dataclass(frozen=True)
class HalfDay:
    afternoon: bool
    starts: datetime
    ends: datetime


def half_days(booking: Booking) -> list[HalfDay]:
    """The visit's half-days (morning, afternoon) with their hours, from the itinerary's stops."""
    departure = booking.departure
    spans: dict[bool, list[datetime]] = {}
    for stop in departure.itinerary.stops.order_by("position"):
        begin = timezone.localtime(
            departure.starts_at + timedelta(minutes=stop.offset_minutes), VISIT_TIMEZONE
        )
        end = begin + timedelta(minutes=stop.duration_minutes)
        afternoon = begin.time() >= AFTERNOON_FROM
        first, last = spans.get(afternoon, [begin, end])
        spans[afternoon] = [min(first, begin), max(last, end)]
    if not spans:
        starts = timezone.localtime(departure.starts_at, VISIT_TIMEZONE)
        return [HalfDay(starts.time() >= AFTERNOON_FROM, starts, starts + timedelta(hours=1))]
    return [HalfDay(afternoon, *spans[afternoon]) for afternoon in sorted(spans)]


def _trainers(booking: Booking) -> list[str]:
    rows = Assignment.objects.filter(departure=booking.departure).select_related("guide")
    return list(dict.fromkeys(row.guide.display_name for row in rows.order_by("role", "pk")))


def _context(booking: Booking) -> dict[str, Any]:
    departure = booking.departure
    starts = timezone.localtime(departure.starts_at, VISIT_TIMEZONE)
    names = sorted(
        (p.name for p in booking.participant_entries.all()), key=lambda name: name.casefold()
    )
    columns = [
        {
            "label": _("Afternoon") if half.afternoon else _("Morning"),
            "hours": f"{date_format(half.starts, 'H:i')} - {date_format(half.ends, 'H:i')}",
        }
        for half in half_days(booking)
    ]
    return {
        "booking": booking,
        "itinerary": departure.itinerary,
        "date": date_format(starts, "l j F Y"),
        "issuer": issuer(),
        "trainers": _trainers(booking),
        "columns": columns,
        "names": names,
        "blank_rows": range(max(booking.participants - len(names), 0)),
    }


def sign_in_sheet_html(booking: Booking) -> str:
    with translation.override(booking.correspondence_language):
        return render_to_string("visits/sign_in_sheet.html", _context(booking))


def sign_in_sheet_pdf(booking: Booking) -> bytes:
    return render_pdf(sign_in_sheet_html(booking))


def sign_in_sheet_filename(booking: Booking) -> str:
    return f"{booking.reference}-sign-in-sheet.pdf"
