"""Run as a separate process by the backup test, against the database in ``DATABASE_URL``.

``seed`` books three demo departures through the booking service, confirms one, invoices it
(the PDF is rendered and stored by the eager Celery task) and records its bank transfer; it
prints what it wrote as JSON. ``after BOOKING_REFERENCE`` runs on the restored database: it
reads that booking and its seats, then books and invoices a new group, and prints the result.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from typing import Any

import django

from bookings.inputs import BookingRequest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from bookings import selectors as booking_selectors  # noqa: E402
from bookings import services as booking_services  # noqa: E402
from bookings.models import Booking  # noqa: E402
from invoicing import services as invoicing_services  # noqa: E402
from invoicing.models import Invoice  # noqa: E402
from itineraries.models import Departure, DepartureKind, DepartureStatus  # noqa: E402
from payments import services as payment_services  # noqa: E402
from payments.models import PaymentMethod  # noqa: E402
from tests.bookings.helpers import booking_body  # noqa: E402

OFFICE = "ops.office"


def _departures(count: int, offset: int = 0) -> list[Departure]:
    """Public demo departures far enough ahead for every itinerary's lead time."""
    upcoming = Departure.objects.filter(
        kind=DepartureKind.PUBLIC,
        status=DepartureStatus.SCHEDULED,
        itinerary__is_published=True,
        starts_at__gt=timezone.now() + timedelta(days=20),
    ).select_related("itinerary")
    return list(upcoming.order_by("starts_at", "pk")[offset : offset + count])


def _book(departure: Departure) -> Booking:
    data = booking_body(
        participants=departure.itinerary.min_participants,
        language=departure.language,
        options=[],
    )
    data["departure"] = departure.pk
    booking, _token = booking_services.booking_create(request=BookingRequest.from_data(data))
    return booking


def _confirm_and_invoice(booking: Booking, reference: str) -> Invoice:
    office = get_user_model().objects.get(username=OFFICE)
    actor = booking_services.Actor.staff(office)
    confirmed = booking_services.booking_confirm(booking=booking, actor=actor)
    invoice = invoicing_services.invoice_issue(booking=confirmed, kind="full")
    payment_services.payment_record_offline(
        booking=confirmed,
        method=PaymentMethod.BANK_TRANSFER,
        amount_cents=confirmed.total_cents,
        paid_on=timezone.localdate(),
        reference=reference,
        actor=actor,
    )
    return Invoice.objects.get(pk=invoice.pk)


def seed() -> dict[str, Any]:
    get_user_model().objects.create_user(username=OFFICE, is_staff=True)
    bookings = [_book(departure) for departure in _departures(3)]
    invoice = _confirm_and_invoice(bookings[0], "VIR-OPS-0001")
    return {
        "bookings": [booking.reference for booking in bookings],
        "invoice": invoice.number,
        "pdf_bytes": len(bytes(invoice.pdf)),
    }


def after(reference: str) -> dict[str, Any]:
    booking = Booking.objects.get(reference=reference)
    departure = booking.departure
    taken = booking_selectors.seats_taken(departure_id=departure.pk)
    new = _book(_departures(1, offset=5)[0])
    invoice = _confirm_and_invoice(new, "VIR-OPS-0002")
    return {
        "status": booking.status,
        "capacity": departure.capacity,
        "participants": booking.participants,
        "seats_left": departure.capacity - taken,
        "new_booking_id": new.pk,
        "new_invoice": invoice.number,
        "new_pdf_bytes": len(bytes(invoice.pdf)),
    }


if __name__ == "__main__":
    result = seed() if sys.argv[1] == "seed" else after(sys.argv[2])
    print(json.dumps(result), flush=True)
