"""Certified delivery over HTTP (issue 16, item 4; services in ``procurement/delivery.py``).

- ``GET /bookings/{reference}/delivery/``: the group's token or staff with
  ``procurement.view_delivery``: the booked categories, what the guide's check-in says, the
  figures it would give, and the delivery once recorded (with its certificate and invoice).
- ``POST /bookings/{reference}/delivery/``: staff with ``procurement.add_delivery`` record it
  (``{"attendance": {"pupils", "adults", "staff"}, "issue_invoice": true}``, the attendance
  defaulting to the check-in's figures): 201, or 200 when it already was with these figures.
- ``GET /bookings/{reference}/delivery.pdf`` (the group's token or staff) and
  ``GET /quotes/{number}/delivery.pdf`` (the quote's token or staff): the certificate.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api.views import TOKEN_PARAMETER, BookingAccessMixin
from bookings.models import Booking
from core.errors import Conflict, DomainError
from core.idempotency import idempotent
from core.permissions import StaffPermission, staff_may
from core.throttling import ClientScopedRateThrottle
from invoicing.models import Invoice
from procurement import delivery as services
from procurement import errors
from procurement.api import TOKEN_HEADER, TOKEN_PARAMETERS
from procurement.delivery_document import delivery_filename, render_delivery_pdf
from procurement.models import Delivery, Quote
from procurement.services import quote_token_matches

ADD_DELIVERY = "procurement.add_delivery"
VIEW_DELIVERY = "procurement.view_delivery"
ISSUE_INVOICE = "invoicing.issue_invoice"


class AttendanceSerializer(serializers.Serializer[Any]):
    pupils = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    adults = serializers.IntegerField(min_value=0, max_value=1000, default=0)
    staff = serializers.IntegerField(min_value=0, max_value=1000, default=0)


class DeliveryInputSerializer(serializers.Serializer[Any]):
    attendance = AttendanceSerializer(
        required=False,
        help_text="Who came, by category; absent: the guide's check-in figures.",
    )
    issue_invoice = serializers.BooleanField(
        default=True, help_text="Issue the final (or full) invoice once delivered."
    )


_FIGURES = inline_serializer(
    "DeliveryFigures",
    {
        "pupils": serializers.IntegerField(),
        "adults": serializers.IntegerField(),
        "staff": serializers.IntegerField(),
        "total": serializers.IntegerField(),
    },
)
_ANSWER = inline_serializer(
    "BookingDelivery",
    {
        "booking": serializers.CharField(),
        "quote": serializers.CharField(allow_null=True),
        "head_count": serializers.IntegerField(),
        "booked": serializers.DictField(allow_null=True),
        "check_in": serializers.DictField(allow_null=True),
        "check_in_attendance": serializers.DictField(allow_null=True),
        "delivered": serializers.BooleanField(),
        "delivery": serializers.DictField(allow_null=True),
        "invoice": serializers.DictField(allow_null=True),
        "invoice_pending": serializers.DictField(allow_null=True),
    },
)


def _invoice(invoice: Invoice | None) -> dict[str, Any] | None:
    if invoice is None:
        return None
    return {
        "number": invoice.number,
        "purpose": invoice.purpose,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "total_incl_vat_cents": invoice.total_incl_vat_cents,
        "pdf_url": f"/api/v1/invoices/{invoice.number}/pdf",
    }


def _delivery(delivery: Delivery, staff: bool) -> dict[str, Any]:
    figures = services.Attendance(delivery.pupils, delivery.adults, delivery.staff)
    answer: dict[str, Any] = {
        "attendance": figures.as_dict(),
        "from_check_in": delivery.from_check_in,
        "delivered_at": delivery.delivered_at.isoformat(),
        "certificate_url": f"/api/v1/bookings/{delivery.booking.reference}/delivery.pdf",
    }
    if staff:
        answer["recorded_by"] = delivery.recorded_by.get_username()
    return answer


def delivery_answer(
    booking: Booking, *, staff: bool, recorded: services.Recorded | None = None
) -> dict[str, Any]:
    """What the page and staff read of a booking's delivery (``recorded`` right after POST)."""
    quote = services.booking_quote(booking)
    booked = services.booked_attendance(booking, quote)
    figures = services.check_in_figures(booking)
    default = services.default_attendance(figures, booked)
    row = recorded.delivery if recorded else Delivery.objects.filter(booking=booking).first()
    pending = recorded.invoice_pending if recorded else None
    invoice = recorded.invoice if recorded else (services.final_invoice(booking) if row else None)
    return {
        "booking": booking.reference,
        "quote": quote.number if quote else None,
        "head_count": booking.participants,
        "booked": booked.as_dict() if booked else None,
        "check_in": figures.as_dict() if figures else None,
        "check_in_attendance": default.as_dict() if default else None,
        "delivered": row is not None,
        "delivery": _delivery(row, staff) if row else None,
        "invoice": _invoice(invoice) if staff else None,
        "invoice_pending": (
            {"code": pending.code, "detail": str(pending.message)} if pending and staff else None
        ),
    }


def _pdf(delivery: Delivery) -> HttpResponse:
    response = HttpResponse(render_delivery_pdf(delivery), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{delivery_filename(delivery)}"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _delivered(booking_id: int) -> Delivery:
    delivery = (
        Delivery.objects.select_related(
            "booking__departure__itinerary", "quote__acceptance", "recorded_by"
        )
        .filter(booking_id=booking_id)
        .first()
    )
    if delivery is None:
        raise DomainError(
            errors.NOT_DELIVERED,
            _("This visit has not been recorded as delivered yet."),
            status=404,
        )
    return delivery


class _DeliveryAccess(BookingAccessMixin, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"

    def staff_permission(self) -> str | None:
        return ADD_DELIVERY if self.request.method == "POST" else VIEW_DELIVERY


class BookingDeliveryView(_DeliveryAccess):
    """A booking's delivered visit: read it (group or staff), record it (staff)."""

    def get_permissions(self) -> list[Any]:
        # Recording is staff's alone, refused before the handler (and any idempotency key).
        if self.request.method == "POST":
            return [StaffPermission(ADD_DELIVERY)]
        return [AllowAny()]

    @extend_schema(
        operation_id="v1_bookings_delivery_retrieve",
        parameters=[TOKEN_PARAMETER],
        responses={200: _ANSWER},
    )
    def get(self, request: Request, reference: str) -> Response:
        booking = self.get_object()
        return Response(delivery_answer(booking, staff=self._as_staff()))

    @extend_schema(
        operation_id="v1_bookings_delivery_create",
        request=DeliveryInputSerializer,
        responses={200: _ANSWER, 201: _ANSWER},
        description=(
            "Staff: record the visit as delivered with who came, which certifies a quoted "
            "booking's service (service fait) and issues its final invoice. Problems: "
            "booking_not_confirmed, visit_not_yet_delivered, attendance_required, "
            "attendance_over_head_count, attendance_empty, already_delivered."
        ),
    )
    @idempotent
    def post(self, request: Request, reference: str) -> Response:
        booking = self.get_object()
        serializer = DeliveryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        given = data.get("attendance")
        # Recording the delivery is the office's; issuing the invoice stays accounting's.
        may_invoice = staff_may(request, ISSUE_INVOICE)
        recorded = services.delivery_record(
            booking=booking,
            attendance_given=services.Attendance(**given) if given is not None else None,
            user=request.user,
            issue_invoice=data["issue_invoice"] and may_invoice,
        )
        if data["issue_invoice"] and not may_invoice and recorded.invoice is None:
            waiting = Conflict(
                errors.INVOICE_PERMISSION_REQUIRED,
                _("Delivery recorded; the invoice is issued by staff who may issue invoices."),
            )
            recorded = replace(recorded, invoice_pending=waiting)
        fresh = Booking.objects.select_related("departure__itinerary").get(pk=booking.pk)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(delivery_answer(fresh, staff=True, recorded=recorded), status=code)


class BookingDeliveryPdfView(_DeliveryAccess):
    """The certificate of delivery, for the group's token holder and staff."""

    @extend_schema(
        operation_id="v1_bookings_delivery_pdf",
        parameters=[TOKEN_PARAMETER],
        responses={(200, "application/pdf"): bytes},
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        return _pdf(_delivered(self.get_object().pk))


class QuoteDeliveryPdfView(APIView):
    """The certificate of delivery of an accepted quote, for its token holder and staff."""

    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"

    @extend_schema(
        operation_id="v1_quotes_delivery_pdf",
        parameters=TOKEN_PARAMETERS,
        responses={(200, "application/pdf"): bytes},
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        quote = Quote.objects.filter(number=number).first()
        token = request.META.get(TOKEN_HEADER) or request.query_params.get("token")
        allowed = staff_may(request, "procurement.view_quote") or quote_token_matches(quote, token)
        if quote is None or not allowed:
            raise DomainError(errors.QUOTE_NOT_FOUND, _("No quote has this number."), status=404)
        if quote.booking_id is None:
            raise DomainError(
                errors.NOT_DELIVERED,
                _("This visit has not been recorded as delivered yet."),
                status=404,
            )
        return _pdf(_delivered(quote.booking_id))
