"""E-mails of the payments app, French or English as booked. Sent from Celery after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.formats import date_format

from bookings.models import Booking
from core.emails import render_plain_text


def late_payment_email(booking: Booking, amount_cents: int) -> EmailMessage:
    """The payment came after the seats were gone: it is refunded in full."""
    lang = booking.correspondence_language
    with translation.override(lang):
        departure = booking.departure
        context = {
            "booking": booking,
            "itinerary": departure.itinerary,
            "starts_at": date_format(timezone.localtime(departure.starts_at), "DATETIME_FORMAT"),
            "amount": f"{amount_cents / 100:.2f} €",
            "site_url": settings.SITE_URL,
        }
        text = render_plain_text(f"payments/email/late_payment_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[booking.contact_email]
    )
