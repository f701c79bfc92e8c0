"""E-mails to the group, French or English as booked. Sent from Celery after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from bookings.calendar import booking_calendar, booking_page_url
from bookings.models import Booking
from bookings.programme import programme_filename, programme_pdf
from core.dates import format_datetime
from core.money import format_money

KINDS = ("received", "confirmed", "changed", "cancelled", "expired", "declined")


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
            "site_url": settings.SITE_URL,
        }
        text = render_to_string(f"bookings/email/{kind}_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    message = EmailMessage(
        subject=subject.strip(),
        body=body.strip() + "\n",
        to=[booking.contact_email],
    )
    if kind in ("confirmed", "changed", "cancelled"):
        message.attach(
            f"{booking.reference}.ics", booking_calendar(booking), "text/calendar; charset=utf-8"
        )
    if kind == "confirmed":
        # The same cached PDF as the download: rendered at most once per booking version.
        message.attach(programme_filename(booking), programme_pdf(booking), "application/pdf")
    return message
