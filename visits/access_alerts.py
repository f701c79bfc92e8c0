"""The accessibility alert (issue 18, item 2): when a write of a group's participant list raises
the number of people needing step-free access on an itinerary with a site lacking it
(``bookings.participants``, the ``accessibility_warning`` audit event), staff
(``ACCESS_ALERT_EMAIL``) and the departure's assigned guides each get one e-mail, in their
language, after commit.

One e-mail per recipient and per rise: the audit event is the record of the rise, each
recipient's e-mail is its own task (a retry resends only that one). The e-mail names the
booking (reference and organisation), the date, the sites and the count; never a person's
name nor their needs in words (the list holds them, for those allowed to read it).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import translation

from bookings.models import Booking, BookingEvent
from core.dates import format_datetime
from core.emails import render_plain_text
from core.tasks import enqueue
from guides.models import Assignment, Guide
from itineraries.models import Site

STAFF = 0  # the recipient id of the staff's e-mail (the guides' are their ids)


def guide_language(guide: Guide) -> str:
    """French unless the guide does not speak it (as ``guides.emails``)."""
    return "fr" if "fr" in guide.languages or "en" not in guide.languages else "en"


def access_alert_queue(booking: Booking, event_id: int) -> None:
    """Queue one e-mail to staff (when ``ACCESS_ALERT_EMAIL`` is set) and one to each guide
    assigned to the booking's departure. Called after commit."""
    from visits import tasks

    recipients = [STAFF] if settings.ACCESS_ALERT_EMAIL else []
    recipients += list(
        Assignment.objects.filter(departure_id=booking.departure_id)
        .order_by("role", "guide_id")
        .values_list("guide_id", flat=True)
    )
    for recipient in recipients:
        enqueue(tasks.send_access_alert, event_id, recipient)


def access_alert_email(*, event_id: int, recipient: int) -> EmailMessage | None:
    """The alert of one rise for staff (``recipient`` 0) or one guide; None when the guide
    has no address or is no longer assigned (released since), or the booking was anonymised."""
    event = BookingEvent.objects.select_related("booking__departure__itinerary").get(pk=event_id)
    booking = event.booking
    if booking.anonymised_at is not None:
        return None
    if recipient == STAFF:
        to, lang = settings.ACCESS_ALERT_EMAIL, settings.LANGUAGE_CODE[:2]
        url = settings.SITE_URL + reverse("admin:bookings_booking_change", args=[booking.pk])
    else:
        assigned = (
            Assignment.objects.select_related("guide__user")
            .filter(departure_id=booking.departure_id, guide_id=recipient)
            .first()
        )
        if assigned is None or not assigned.guide.user.email:
            return None
        to, lang = assigned.guide.user.email, guide_language(assigned.guide)
        url = f"{settings.SITE_URL}/guide/"
    sites = Site.objects.filter(slug__in=event.data.get("sites", [])).order_by("slug")
    with translation.override(lang):
        context = {
            "booking": booking,
            "itinerary": booking.departure.itinerary,
            "starts_at": format_datetime(booking.departure.starts_at, lang),
            "count": event.data.get("reduced_mobility", 0),
            "sites": ", ".join(site.name for site in sites),
            "url": url,
            "office_name": settings.OFFICE_NAME,
        }
        text = render_plain_text(f"visits/email/access_alert_{lang}.txt", context).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(subject=subject.strip(), body=body.strip() + "\n", to=[to])
