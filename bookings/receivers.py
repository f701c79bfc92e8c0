"""Receivers of the catalogue's signals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils.translation import ngettext

from bookings import errors, services
from bookings.models import Booking
from bookings.selectors import seats_taken
from core.errors import Conflict
from itineraries.models import Departure
from itineraries.services import departure_cancelling, departure_changing


@receiver(departure_changing)
def refuse_capacity_below_seats_taken(
    sender: Any, departure: Departure, new_capacity: int, **kwargs: Any
) -> None:
    """Runs with the departure row locked by the scheduling service, so the count is stable."""
    taken = seats_taken(departure_id=departure.pk)
    if new_capacity < taken:
        raise Conflict(
            errors.CAPACITY_BELOW_SEATS_TAKEN,
            ngettext(
                "%(taken)d seat is already booked on this departure.",
                "%(taken)d seats are already booked on this departure.",
                taken,
            )
            % {"taken": taken},
            field="capacity",
            extra={"seats_taken": taken},
        )


@receiver(departure_cancelling)
def cancel_bookings_of_cancelled_departure(
    sender: Any, departure: Departure, by: Any = None, reason: str = "", **kwargs: Any
) -> list[Booking]:
    """Runs inside the departure's cancellation, its row locked: no booking outlives it."""
    return services.bookings_cancel_for_departure(departure=departure, by=by, reason=reason)
