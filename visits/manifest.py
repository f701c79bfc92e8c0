"""The printable manifest of a departure for its guides (issue 18, item 5; docs/visits.md).

One A4 document per departure, in French or English: the itinerary, date and times, meeting
point, the guides and the office's phone, the programme's timing, and per group its head
count, status, organiser's name and phone, and its named participants with their category and
needs, each with a box to tick on paper. Read by the guides assigned to the departure and by
staff who may read bookings; never by another guide.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst

from bookings.models import NEED_FLAGS, Booking, Participant, seats_taking_q
from core.pdf import render_pdf
from guides.models import Assignment
from itineraries.models import Departure
from visits.certificates import VISIT_TIMEZONE
from visits.checkins import attendance
from visits.emails import map_link

MANIFEST_LANGUAGES = ("fr", "en")
STAFF_PERMISSION = "bookings.view_booking"


def manifest_departure(*, user: Any, departure_id: int) -> Departure | None:
    """The departure if this user may read its manifest (staff who may read bookings, or a guide
    assigned to it), else None (answered as not found: a guide learns nothing of others')."""
    departure = Departure.objects.select_related("itinerary").filter(pk=departure_id).first()
    if departure is None or not user.is_authenticated:
        return None
    if user.is_staff and user.has_perm(STAFF_PERMISSION):
        return departure
    guide = getattr(user, "guide", None)
    if guide is not None and Assignment.objects.filter(guide=guide, departure=departure).exists():
        return departure
    return None


def need_label(flag: str) -> str:
    """``reduced_mobility`` -> "Reduced mobility" (the field's name, in the current language)."""
    field = Participant._meta.get_field(f"needs_{flag}")
    return str(capfirst(getattr(field, "verbose_name", flag)))


def need_labels(participant: Participant) -> list[str]:
    labels = [need_label(flag) for flag in NEED_FLAGS if getattr(participant, f"needs_{flag}")]
    if participant.needs_details:
        labels.append(participant.needs_details)
    return labels


def manifest_context(departure: Departure) -> dict[str, Any]:
    """What the document shows, in the current language (read with a few queries)."""
    itinerary = departure.itinerary
    local = lambda moment: timezone.localtime(moment, VISIT_TIMEZONE)  # noqa: E731
    named = Participant.objects.order_by("created_at", "pk")
    bookings = (
        Booking.objects.filter(seats_taking_q(timezone.now()), departure=departure)
        .prefetch_related(Prefetch("participant_entries", queryset=named, to_attr="named"))
        .order_by("created_at", "pk")
    )
    groups: list[dict[str, Any]] = []
    needs: Counter[str] = Counter()
    came = attendance(departure)
    for booking in bookings:
        people = []
        for person in booking.named:
            labels = need_labels(person)
            for flag in NEED_FLAGS:
                if getattr(person, f"needs_{flag}"):
                    needs[flag] += 1
            people.append(
                {"name": person.name, "category": person.get_category_display(), "needs": labels}
            )
        groups.append(
            {
                "reference": booking.reference,
                "organisation": booking.organisation_name,
                "head_count": booking.participants,
                "status": booking.get_status_display(),
                "confirmed": booking.status == "confirmed",
                "contact_name": booking.contact_name,
                "contact_phone": booking.contact_phone,
                "people": people,
                "unnamed": max(booking.participants - len(people), 0),
                "walk_ins": came.get(booking.reference, {}).get("walk_ins", 0),
            }
        )
    stops = []
    for stop in itinerary.stops.select_related("site").order_by("position"):
        begins = local(departure.starts_at + timedelta(minutes=stop.offset_minutes))
        stops.append(
            {
                "time": date_format(begins, "H:i"),
                "title": stop.title,
                "site": stop.site.name,
                "minutes": stop.duration_minutes,
            }
        )
    guides = [
        {
            "name": assignment.guide.display_name,
            "phone": assignment.guide.phone,
            "role": assignment.get_role_display(),
        }
        for assignment in Assignment.objects.select_related("guide")
        .filter(departure=departure)
        .order_by("role", "guide__display_name")
    ]
    return {
        "departure": departure,
        "itinerary": itinerary,
        "cancelled": departure.status == "cancelled",
        "date": date_format(local(departure.starts_at), "l j F Y"),
        "starts": date_format(local(departure.starts_at), "H:i"),
        "ends": date_format(local(departure.ends_at), "H:i"),
        "language": departure.get_language_display(),
        "map_url": map_link(itinerary),
        "stops": stops,
        "guides": guides,
        "office_name": settings.OFFICE_NAME,
        "office_phone": settings.OFFICE_PHONE,
        "groups": groups,
        "head_count": sum(group["head_count"] for group in groups),
        "named_count": sum(len(group["people"]) for group in groups),
        "walk_ins": sum(group["walk_ins"] for group in groups),
        "needs": [(need_label(flag), needs[flag]) for flag in NEED_FLAGS if needs[flag]],
        "printed_at": date_format(local(timezone.now()), "j F Y H:i"),
    }


def manifest_html(departure: Departure, language: str) -> str:
    with translation.override(language):
        return render_to_string("visits/manifest.html", manifest_context(departure))


def manifest_pdf(departure: Departure, language: str) -> bytes:
    return render_pdf(manifest_html(departure, language))


def manifest_filename(departure: Departure) -> str:
    day = timezone.localtime(departure.starts_at, VISIT_TIMEZONE).date().isoformat()
    return f"manifest-{departure.itinerary.slug}-{day}-{departure.pk}.pdf"
