"""A cancelled departure's group moves to another date over HTTP (services in
visits/rebooking.py).

- ``GET /bookings/{reference}/rebook/``: the organiser's token (or staff with
  ``bookings.view_booking``): whether a move is offered, why the booking was cancelled, the
  other dates with seats for the group, whether a private date may be asked for, and the new
  booking's reference once moved.
- ``POST /bookings/{reference}/rebook/`` ``{"departure", "terms_version"}``: the organiser's
  token: places the new booking; 201 with the same answer as ``POST /bookings/`` (the new
  booking's reference and token, its Checkout URL for a card booking).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api.answers import CreatedBookingSerializer, booking_answer_parts
from bookings.api.views import TOKEN_PARAMETER, BookingAccessMixin
from bookings.models import Booking
from core.serializers import annotate_for
from core.throttling import ClientScopedRateThrottle
from visits import rebooking

_DATE = inline_serializer(
    "RebookDate",
    {
        "id": serializers.IntegerField(),
        "starts_at": serializers.DateTimeField(),
        "ends_at": serializers.DateTimeField(),
        "seats_left": serializers.IntegerField(),
    },
)


class RebookInputSerializer(serializers.Serializer[Any]):
    departure = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    terms_version = serializers.CharField(max_length=40)


class BookingRebookView(BookingAccessMixin, APIView):
    """The other dates a cancelled departure's group may move to, and the move itself."""

    permission_classes = [AllowAny]
    throttle_classes = [ClientScopedRateThrottle]

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = (
            "booking_create" if self.request.method == "POST" else "booking_lookup"
        )
        return super().get_throttles()

    def staff_permission(self) -> str | None:
        # Moving is the group's choice, made with its token; staff read the offer only.
        return "bookings.view_booking" if self.request.method == "GET" else None

    def _booking(self) -> Booking:
        found = self.get_object()
        return Booking.objects.select_related("departure__itinerary").get(pk=found.pk)

    @extend_schema(
        operation_id="v1_bookings_rebook_offer",
        parameters=[TOKEN_PARAMETER],
        responses={
            200: inline_serializer(
                "RebookOffer",
                {
                    "available": serializers.BooleanField(),
                    "reason": serializers.CharField(),
                    "departures": serializers.ListField(child=_DATE),
                    "private_dates": serializers.BooleanField(),
                    "itinerary": serializers.CharField(),
                    "rebooked_as": serializers.CharField(allow_null=True),
                },
            )
        },
    )
    def get(self, request: Request, reference: str) -> Response:
        booking = self._booking()
        offer = rebooking.rebook_offer(booking)
        when = serializers.DateTimeField()
        response = Response(
            {
                "available": offer.available,
                "reason": offer.reason,
                "departures": [
                    {
                        "id": departure.pk,
                        "starts_at": when.to_representation(departure.starts_at),
                        "ends_at": when.to_representation(departure.ends_at),
                        "seats_left": departure.capacity - departure.seats_taken_now,  # type: ignore[attr-defined]
                    }
                    for departure in offer.departures
                ],
                "private_dates": offer.private_dates,
                "itinerary": booking.departure.itinerary.slug,
                "rebooked_as": offer.rebooked_as or None,
            }
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        operation_id="v1_bookings_rebook",
        parameters=[TOKEN_PARAMETER],
        request=RebookInputSerializer,
        responses={201: CreatedBookingSerializer},
    )
    def post(self, request: Request, reference: str) -> Response:
        booking = self._booking()
        data = RebookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        placed = rebooking.booking_rebook(
            booking=booking,
            departure_id=data.validated_data["departure"],
            terms_version=data.validated_data["terms_version"],
        )
        fresh = annotate_for(
            booking_answer_parts,
            Booking.objects.select_related("departure__itinerary", "companion__departure"),
        ).get(pk=placed.booking.pk)
        context = {"token": placed.token, "companion_token": None, "placement": placed}
        body = CreatedBookingSerializer(fresh, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)
