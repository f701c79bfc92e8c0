"""Builders for invoicing tests: a confirmed booking, issuing over HTTP, reading PDFs back."""

from __future__ import annotations

import io
import itertools
from typing import Any

from django.test import TestCase
from pypdf import PdfReader

from bookings import services
from bookings.api import BookingInputSerializer
from bookings.inputs import BookingRequest
from bookings.models import Booking
from tests.bookings.helpers import bookable_departure, booking_body

_SLUGS = itertools.count(1)


def confirmed_booking(**overrides: Any) -> Booking:
    """A public body's booking (invoice payment), confirmed by staff: 18 x 15.00 at 20 % plus
    18 x 18.00 lunch at 10 % (680.40 incl. VAT), deposit 30 % (204.12).

    Made through the bookings services (the bookings API is not what is under test here); the
    after-commit signals run, as a real commit would run them."""
    itinerary = {"slug": f"itinerary-{next(_SLUGS)}", **overrides.pop("itinerary", {})}
    departure = bookable_departure(**itinerary)
    serializer = BookingInputSerializer(data=booking_body(departure, **overrides))
    serializer.is_valid(raise_exception=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        booking, _token = services.booking_create(
            request=BookingRequest.from_data(serializer.validated_data)
        )
        services.booking_confirm(booking=booking, actor=services.Actor.system())
    return Booking.objects.get(pk=booking.pk)


def cancel(booking: Booking, **kwargs: Any) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.booking_cancel(booking=booking, actor=services.Actor.system(), **kwargs)


def change_participants(booking: Booking, participants: int) -> Booking:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.booking_change(
            booking=booking, actor=services.Actor.system(), participants=participants
        )


def issue(staff_api: Any, booking: Booking, kind: str) -> Any:
    return staff_api.post(
        "/api/v1/invoices/", {"booking": booking.reference, "kind": kind}, format="json"
    )


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def settle_deposit_invoices(booking: Booking) -> None:
    """The group paid its deposit invoice: a final invoice may be issued only after that."""
    from django.utils import timezone

    from invoicing.models import Invoice, InvoiceKind
    from invoicing.services import invoice_mark_paid

    for invoice in Invoice.objects.filter(booking=booking, kind=InvoiceKind.DEPOSIT, paid=False):
        invoice_mark_paid(
            invoice=invoice,
            amount_cents=invoice.total_incl_vat_cents - invoice.paid_cents,
            paid_at=timezone.now(),
        )
