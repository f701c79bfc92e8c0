"""Certificates of attendance over HTTP (issue 18, item 6; services in visits/certificates.py).

- ``GET /bookings/{reference}/certificates/``: the organiser's token (or staff with
  ``bookings.view_booking``): from when they are available and, once the visit took place,
  one entry per participant checked in, each with its PDF's address. The participants'
  read-only link opens nothing here.
- ``GET /bookings/{reference}/certificates.pdf``: all of them, one page per participant;
  ``GET /bookings/{reference}/certificates/{code}.pdf``: one.
- ``GET /certificates/{code}/``: anyone holding a paper checks its code: the holder's
  initials, the itinerary and the date; 404 for any other code.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api.views import TOKEN_PARAMETER, BookingAccessMixin
from bookings.models import Booking
from core.throttling import ClientScopedRateThrottle
from visits import certificates, signin_sheet
from visits.models import Certificate, CertificateSource

_CERTIFICATE = inline_serializer(
    "AttendanceCertificate",
    {
        "participant": serializers.IntegerField(),
        "name": serializers.CharField(),
        "code": serializers.CharField(),
        "issued_at": serializers.DateTimeField(),
        "pdf_url": serializers.CharField(),
    },
)


def _pdf(booking: Booking, issued: list[Certificate], code: str | None = None) -> HttpResponse:
    response = HttpResponse(
        certificates.certificates_pdf(booking, issued), content_type="application/pdf"
    )
    filename = certificates.certificates_filename(booking, code)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


class _CertificatesAccess(BookingAccessMixin, APIView):
    permission_classes = [AllowAny]

    def staff_permission(self) -> str | None:
        return "bookings.view_booking"

    def _booking(self) -> Booking:
        found = self.get_object()
        return Booking.objects.select_related("departure__itinerary").get(pk=found.pk)

    def _source(self) -> str:
        return CertificateSource.STAFF if self._as_staff() else CertificateSource.ORGANISER


class BookingCertificatesView(_CertificatesAccess):
    """The booking's certificates of attendance, issued on the first read after the visit."""

    @extend_schema(
        operation_id="v1_bookings_certificates_list",
        parameters=[TOKEN_PARAMETER],
        responses={
            200: inline_serializer(
                "AttendanceCertificates",
                {
                    "available": serializers.BooleanField(),
                    "available_from": serializers.DateTimeField(),
                    "pdf_url": serializers.CharField(allow_null=True),
                    "sign_in_sheet_url": serializers.CharField(
                        allow_null=True,
                        help_text="A training booking's sign-in sheet (one column per "
                        "half-day), else null.",
                    ),
                    "certificates": serializers.ListField(child=_CERTIFICATE),
                },
            )
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        booking = self._booking()
        state = certificates.certificates_state(booking=booking, by=self._source())
        base = f"/api/v1/bookings/{booking.reference}/certificates"
        date_field = serializers.DateTimeField()
        return Response(
            {
                "available": state.available,
                "available_from": date_field.to_representation(state.available_from),
                "pdf_url": f"{base}.pdf" if state.certificates else None,
                "sign_in_sheet_url": (
                    f"/api/v1/bookings/{booking.reference}/sign-in-sheet.pdf"
                    if booking.training
                    else None
                ),
                "certificates": [
                    {
                        "participant": c.participant_id,
                        "name": c.participant.name,
                        "code": c.code,
                        "issued_at": date_field.to_representation(c.issued_at),
                        "pdf_url": f"{base}/{c.code}.pdf",
                    }
                    for c in state.certificates
                ],
            }
        )


class BookingCertificatesPdfView(_CertificatesAccess):
    """All the booking's certificates of attendance in one PDF, one page per participant."""

    @extend_schema(
        operation_id="v1_bookings_certificates_pdf",
        parameters=[TOKEN_PARAMETER],
        responses={(200, "application/pdf"): bytes},
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        booking = self._booking()
        issued = certificates.certificates_issue(booking=booking, by=self._source())
        if not issued:
            raise NotFound(code="no_certificates")
        return _pdf(booking, issued)


class BookingSignInSheetPdfView(_CertificatesAccess):
    """A training booking's sign-in sheet (feuille d'émargement), one signature column per
    half-day (visits/signin_sheet.py), for the organiser's token and staff; 404
    ``not_training`` for another booking."""

    @extend_schema(
        operation_id="v1_bookings_sign_in_sheet_pdf",
        parameters=[TOKEN_PARAMETER],
        responses={(200, "application/pdf"): bytes},
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        booking = self._booking()
        if not booking.training:
            raise NotFound(
                _("This booking is not a professional training: it has no sign-in sheet."),
                code="not_training",
            )
        response = HttpResponse(
            signin_sheet.sign_in_sheet_pdf(booking), content_type="application/pdf"
        )
        filename = signin_sheet.sign_in_sheet_filename(booking)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
        return response


class BookingCertificatePdfView(_CertificatesAccess):
    """One participant's certificate of attendance."""

    @extend_schema(
        operation_id="v1_bookings_certificate_pdf",
        parameters=[TOKEN_PARAMETER],
        responses={(200, "application/pdf"): bytes},
    )
    def get(self, request: Request, reference: str, code: str) -> HttpResponse:
        booking = self._booking()
        issued = certificates.certificates_issue(booking=booking, by=self._source())
        wanted = certificates.normalise_code(code)
        one = [c for c in issued if c.code == wanted]
        if not one:
            raise NotFound(code="certificate_not_found")
        return _pdf(booking, one, wanted)


class CertificateVerifyView(APIView):
    """Check a certificate's code: the holder's initials, the itinerary and the date."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [ClientScopedRateThrottle]
    throttle_scope = "booking_lookup"

    @extend_schema(
        operation_id="v1_certificates_verify",
        responses={
            200: inline_serializer(
                "CertificateVerification",
                {
                    "code": serializers.CharField(),
                    "initials": serializers.CharField(),
                    "itinerary": serializers.CharField(),
                    "date": serializers.DateField(),
                    "hours": serializers.CharField(),
                    "issued_at": serializers.DateTimeField(),
                },
            )
        },
    )
    def get(self, request: Request, code: str) -> Response:
        found = certificates.certificate_verify(code)
        if found is None:
            raise NotFound(code="certificate_not_found")
        departure = found.booking.departure
        minutes = int((departure.ends_at - departure.starts_at).total_seconds() // 60)
        local = timezone.localtime(departure.starts_at, certificates.VISIT_TIMEZONE)
        response = Response(
            {
                "code": found.code,
                "initials": certificates.initials(found.participant.name),
                "itinerary": departure.itinerary.title,
                "date": local.date().isoformat(),
                "hours": f"{minutes / 60:g}",
                "issued_at": serializers.DateTimeField().to_representation(found.issued_at),
            }
        )
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response
