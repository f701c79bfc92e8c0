"""E-mails to the group, French or English as booked. Sent from Celery after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation

from bookings import links
from bookings.calendar import booking_calendar, booking_page_url
from bookings.models import Booking
from bookings.programme import programme_filename, programme_pdf
from core.dates import format_datetime
from core.emails import render_plain_text
from core.money import format_money

KINDS = (
    "received",
    "confirmed",
    "changed",
    "moved",
    "cancelled",
    "expired",
    "declined",
    "link",
)
# The e-mails that carry the organiser's secret link: each issues a fresh token at send time
# (bookings.links), so no secret ever travels through the task queue or sits in a log.
LINK_KINDS = frozenset({"received", "confirmed", "changed", "moved", "link"})


def booking_email(booking: Booking, kind: str) -> EmailMessage:
    lang = booking.correspondence_language
    with translation.override(lang):
        departure = booking.departure
        context = {
            "booking": booking,
            "itinerary": departure.itinerary,
            "starts_at": format_datetime(departure.starts_at, lang),
            "total": format_money(booking.total_cents, lang),
            "page_url": booking_page_url(booking),
            "participants_url": links.participants_url(booking),
            "site_url": settings.SITE_URL,
        }
        if booking.companion is not None:
            # Two groups on staggered times: each e-mail names the other group and its time
            # (the other group's own e-mail carries its link).
            context["companion"] = booking.companion
            context["companion_starts_at"] = format_datetime(
                booking.companion.departure.starts_at, lang
            )
        if kind in LINK_KINDS:
            token = links.organiser_link_issue(
                booking=booking, reason="recovery" if kind == "link" else "email"
            )
            context["page_url"] = links.organiser_url(booking, token)
        text = render_plain_text(f"bookings/email/{kind}_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    message = EmailMessage(
        subject=subject.strip(),
        body=body.strip() + "\n",
        to=[booking.contact_email],
    )
    if kind in ("confirmed", "changed", "moved", "cancelled"):
        message.attach(
            f"{booking.reference}.ics", booking_calendar(booking), "text/calendar; charset=utf-8"
        )
    if kind == "confirmed":
        # The same cached PDF as the download: rendered at most once per booking version.
        message.attach(programme_filename(booking), programme_pdf(booking), "application/pdf")
    return message
