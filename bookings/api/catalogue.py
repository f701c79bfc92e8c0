"""What bookings adds to the catalogue: seats left, an itinerary's availability by day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from bookings import (
    selectors,
)
from bookings.models import Booking
from core.cache import cached_read
from core.permissions import staff_may
from core.serializers import (
    AnswerPart,
    ComputedField,
)
from itineraries import selectors as catalogue_selectors
from itineraries.invalidation import AVAILABILITY, CATALOGUE
from itineraries.models import Departure, Language

MAX_AVAILABILITY_DAYS = 92


def _seats_left(departure: Departure, context: Any) -> int:
    taken = getattr(departure, "seats_taken_now", None)
    if taken is None:
        taken = selectors.seats_taken(departure_id=departure.pk)
    return max(departure.capacity - taken, 0)


class GoNoGoSchema(serializers.Serializer[Any]):
    """A public departure's minimum (issue 18): null when its itinerary sets none."""

    minimum_participants = serializers.IntegerField()
    participants_needed = serializers.IntegerField(
        help_text="How many more participants it needs to go ahead (0 once reached or confirmed)."
    )
    decision_at = serializers.DateTimeField(
        help_text="When it is confirmed, or cancelled with full refunds if still short."
    )
    confirmed = serializers.BooleanField(help_text="Confirmed to go ahead.")


_DATETIME = serializers.DateTimeField()


def _go_no_go(departure: Departure, context: Any) -> dict[str, Any] | None:
    taken = getattr(departure, "seats_taken_now", None)
    if taken is None:
        taken = selectors.seats_taken(departure_id=departure.pk)
    answer = departure.go_no_go(taken)
    if answer is not None:
        answer["decision_at"] = _DATETIME.to_representation(answer["decision_at"])
    return answer


# Registered into ``itineraries.api.departure_answer_parts`` (bookings.apps): the seats left,
# counted in the departures' own query, and what a public departure's minimum still needs.
DEPARTURE_SEATS = AnswerPart(
    fields={
        "seats_left": ComputedField(_seats_left, schema=serializers.IntegerField()),
        "go_no_go": ComputedField(_go_no_go, schema=GoNoGoSchema(allow_null=True)),
    },
    annotate=selectors.with_seats_taken,
)


def bookings_cancelled(cancelled: Any) -> dict[str, Any]:
    """Registered into ``itineraries.api.departure_cancel_answers``: the bookings a departure's
    cancellation cancelled with it, by reference."""
    return {"bookings_cancelled": [b.reference for b in cancelled if isinstance(b, Booking)]}


class AvailabilityQuerySerializer(serializers.Serializer[Any]):
    to = serializers.DateField(required=False)
    participants = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # ``from`` is a Python keyword, so the field is added by name here.
        self.fields["from"] = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        first: date = attrs.get("from") or timezone.localdate()
        last: date = attrs.get("to") or first + timedelta(days=30)
        if last < first:
            raise serializers.ValidationError(
                {"to": _("Must not be before from.")}, code="invalid_range"
            )
        if (last - first).days >= MAX_AVAILABILITY_DAYS:
            raise serializers.ValidationError(
                {"to": _("At most %(days)d days at a time.") % {"days": MAX_AVAILABILITY_DAYS}},
                code="range_too_long",
            )
        attrs["from"], attrs["to"] = first, last
        return attrs


class ItineraryAvailabilityView(GenericAPIView[Any]):
    """An itinerary's availability by day: public departures with seats, private start times."""

    filter_backends: list[Any] = []
    pagination_class = None
    permission_classes = [AllowAny]
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Any]:
        # The catalogue's own rule for who sees which itinerary (drafts: staff only).
        return catalogue_selectors.itinerary_detail_queryset(
            include_unpublished=staff_may(self.request, "itineraries.view_itinerary")
        )

    @extend_schema(
        operation_id="v1_itineraries_availability_retrieve",
        parameters=[
            OpenApiParameter("from", date),
            OpenApiParameter("to", date),
            OpenApiParameter("participants", int),
            OpenApiParameter(
                "language",
                str,
                enum=Language.values,
                description="Language of a private visit; by default any language offered.",
            ),
        ],
        responses={200: inline_serializer("Availability", {"days": serializers.ListField()})},
    )
    def get(self, request: Request, slug: str) -> HttpResponse:
        def produce() -> Response:
            itinerary = self.get_object()
            query = AvailabilityQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            participants = query.validated_data.get("participants") or itinerary.min_participants
            days = selectors.availability(
                itinerary=itinerary,
                first_day=query.validated_data["from"],
                last_day=query.validated_data["to"],
                participants=participants,
                language=query.validated_data.get("language"),
            )
            body = {
                "itinerary": itinerary.slug,
                "participants": participants,
                "group": selectors.group_fit(itinerary, participants),
                "days": days,
            }
            return Response(body)

        # Short-lived: a hold that runs out frees seats without any write to invalidate on.
        return cached_read(request, (CATALOGUE, AVAILABILITY), produce, timeout=60)
