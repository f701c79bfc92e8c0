"""The scheduled messages' e-mails, in the group's language (``Booking.correspondence_language``),
rendered at send time from the booking as it is then (head count, list, guides, programme)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from bookings import links
from bookings.models import Booking, Participant
from bookings.participants import lock_at
from bookings.programme import programme_filename, programme_pdf
from core.dates import format_date, format_datetime
from core.emails import render_plain_text
from guides.selectors import programme_guides
from itineraries.models import Itinerary
from visits.models import MessageKind, MessageRule

VISIT_TIMEZONE = ZoneInfo("Europe/Paris")


def map_link(itinerary: Itinerary) -> str:
    """A map of the meeting point: its site's coordinates, else a search for its address."""
    site = itinerary.meeting_site
    if site is not None:
        lat, lon = f"{site.latitude:.6f}", f"{site.longitude:.6f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    return "https://www.openstreetmap.org/search?" + urlencode({"query": itinerary.meeting_point})


def _programme(booking: Booking) -> list[dict[str, str]]:
    departure = booking.departure
    rows = []
    for stop in departure.itinerary.stops.select_related("site").order_by("position"):
        begin = departure.starts_at + timedelta(minutes=stop.offset_minutes)
        end = begin + timedelta(minutes=stop.duration_minutes)
        begin, end = (timezone.localtime(t, VISIT_TIMEZONE) for t in (begin, end))
        rows.append(
            {"times": f"{begin:%H:%M}-{end:%H:%M}", "title": stop.title, "site": stop.site.name}
        )
    return rows


def _context(booking: Booking, rule: MessageRule, lang: str) -> dict[str, Any]:
    departure = booking.departure
    itinerary = departure.itinerary
    context: dict[str, Any] = {
        "booking": booking,
        "itinerary": itinerary,
        "starts_at": format_datetime(departure.starts_at, lang),
        "rule_text": rule.text.strip(),
        "office_name": settings.OFFICE_NAME,
        "office_phone": settings.OFFICE_PHONE,
        "office_email": settings.OFFICE_EMAIL,
        "participants_url": links.participants_url(booking),
    }
    if rule.kind in (MessageKind.HEAD_COUNT, MessageKind.PRACTICAL):
        # The organiser's link, issued now (hash only, bookings.links): never in the queue.
        token = links.organiser_link_issue(booking=booking, reason="reminder")
        context["page_url"] = links.organiser_url(booking, token)
        context["named"] = Participant.objects.filter(booking=booking).count()
        context["lock_date"] = format_date(lock_at(booking), lang)
    if rule.kind == MessageKind.PRACTICAL:
        context["map_url"] = map_link(itinerary)
        context["programme"] = _programme(booking)
        context["practical_notes"] = itinerary.practical_notes.strip()
    if rule.kind == MessageKind.GUIDE:
        context["guides"] = programme_guides(booking)
    if rule.kind == MessageKind.THANKS:
        context["survey_url"] = settings.VISIT_SURVEY_URL.strip()
    return context


def scheduled_message(booking: Booking, rule: MessageRule) -> EmailMessage:
    """The e-mail of ``rule`` for ``booking``; the 7-day one carries the programme PDF."""
    lang = booking.correspondence_language
    with translation.override(lang):
        text = render_plain_text(
            f"visits/email/{rule.kind}_{lang}.txt", _context(booking, rule, lang)
        ).strip()
    subject, _sep, body = text.partition("\n")
    message = EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[booking.contact_email]
    )
    if rule.kind == MessageKind.PRACTICAL:
        # The same cached PDF as the download: rendered at most once per booking version.
        message.attach(programme_filename(booking), programme_pdf(booking), "application/pdf")
    return message


def _other_dates(booking: Booking, lang: str) -> list[str]:
    """The itinerary's other public departures to come with seats for this group (the dates
    its booking page offers to move to, visits.rebooking), five at most."""
    from visits.rebooking import other_departures

    return [format_datetime(other.starts_at, lang) for other in other_departures(booking, 5)]


def go_no_go_email(booking: Booking, outcome: str) -> EmailMessage:
    """The group's departure goes ahead (``confirmed``), or was cancelled short of its
    minimum (``cancelled``: why, and the itinerary's other dates with seats)."""
    lang = booking.correspondence_language
    departure = booking.departure
    itinerary = departure.itinerary
    with translation.override(lang):
        context: dict[str, Any] = {
            "booking": booking,
            "itinerary": itinerary,
            "starts_at": format_datetime(departure.starts_at, lang),
            "minimum": itinerary.departure_minimum,
            "itinerary_url": f"{settings.SITE_URL}/itineraries/{itinerary.slug}",
            "office_name": settings.OFFICE_NAME,
            "office_phone": settings.OFFICE_PHONE,
            "office_email": settings.OFFICE_EMAIL,
        }
        if outcome != "confirmed":
            context["other_dates"] = _other_dates(booking, lang)
        text = render_plain_text(f"visits/email/go_{outcome}_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[booking.contact_email]
    )


def certificates_ready_email(booking: Booking, count: int) -> EmailMessage:
    """The organiser's certificates are ready: how many, and a fresh link to the booking page
    (issued now, hash only: never in the queue) where they are."""
    lang = booking.correspondence_language
    departure = booking.departure
    token = links.organiser_link_issue(booking=booking, reason="certificates")
    with translation.override(lang):
        context: dict[str, Any] = {
            "booking": booking,
            "itinerary": departure.itinerary,
            "starts_at": format_datetime(departure.starts_at, lang),
            "count": count,
            "training": booking.training,
            "page_url": links.organiser_url(booking, token),
            "office_name": settings.OFFICE_NAME,
            "office_phone": settings.OFFICE_PHONE,
            "office_email": settings.OFFICE_EMAIL,
        }
        text = render_plain_text(f"visits/email/certificates_ready_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[booking.contact_email]
    )
