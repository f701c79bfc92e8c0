"""What the booking's answer says of its departure's go/no-go (issue 18, item 4), through
``bookings.booking_answer_parts`` (registered in ``visits.apps``): how many more participants
the departure needs, the decision time, and whether it is confirmed or cancelled. Null for a
departure without a minimum (private, or an itinerary that sets none)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from bookings import selectors
from bookings.api.catalogue import GoNoGoSchema
from core.serializers import AnswerPart, ComputedField
from itineraries.models import DepartureStatus

_DATETIME = serializers.DateTimeField()


def _departure_go_no_go(booking: Any, context: Mapping[str, Any]) -> dict[str, Any] | None:
    departure = booking.departure
    if not departure.has_minimum:
        return None  # no query for the departures without a minimum
    answer = departure.go_no_go(selectors.seats_taken(departure_id=departure.pk))
    if answer is None:
        return None
    answer["decision_at"] = _DATETIME.to_representation(answer["decision_at"])
    answer["cancelled"] = departure.status == DepartureStatus.CANCELLED
    if answer["cancelled"]:
        answer["participants_needed"] = 0
    return answer


class BookingGoNoGoSchema(GoNoGoSchema):
    cancelled = serializers.BooleanField(help_text="The departure was cancelled.")


BOOKING_GO_NO_GO = AnswerPart(
    fields={
        "departure_go_no_go": ComputedField(
            _departure_go_no_go, schema=BookingGoNoGoSchema(allow_null=True)
        )
    }
)
