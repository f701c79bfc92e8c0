"""E-mails of the payments app, French or English as booked. Sent from Celery after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation

from bookings.calendar import booking_page_url
from bookings.models import Booking
from core.dates import format_datetime
from core.emails import render_plain_text
from core.money import format_money


def late_payment_email(booking: Booking, amount_cents: int) -> EmailMessage:
    """The payment came after the seats were gone: it is refunded in full."""
    lang = booking.correspondence_language
    with translation.override(lang):
        departure = booking.departure
        context = {
            "booking": booking,
            "itinerary": departure.itinerary,
            "starts_at": format_datetime(departure.starts_at, lang),
            "amount": format_money(amount_cents, lang),
            "site_url": settings.SITE_URL,
        }
        text = render_plain_text(f"payments/email/late_payment_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[booking.contact_email]
    )


def payment_received_email(booking: Booking, amount_cents: int) -> EmailMessage:
    """A card payment was received: the amount actually charged, what is paid so far, and what
    is left to pay (the balance, payable from the booking page)."""
    lang = booking.correspondence_language
    left = max(booking.total_cents - booking.amount_paid_cents, 0)
    with translation.override(lang):
        departure = booking.departure
        context = {
            "booking": booking,
            "itinerary": departure.itinerary,
            "starts_at": format_datetime(departure.starts_at, lang),
            "amount": format_money(amount_cents, lang),
            "total": format_money(booking.total_cents, lang),
            "paid": format_money(booking.amount_paid_cents, lang),
            "left": format_money(left, lang) if left else "",
            "page_url": booking_page_url(booking),
        }
        text = render_plain_text(f"payments/email/payment_received_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(
        subject=subject.strip(), body=body.strip() + "\n", to=[booking.contact_email]
    )
