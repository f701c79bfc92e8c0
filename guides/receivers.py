"""Receivers of the lower apps' domain signals: a departure's guides follow it when it moves, and
its guides' calendar events move on when its groups change. (Cache invalidation is explicit:
``guides.invalidation``.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import booking_cancelled, booking_changed, booking_confirmed
from guides import services
from itineraries.models import Departure
from itineraries.services import departure_changing, departure_rescheduled


@receiver(departure_changing)
def recheck_guides_of_moving_departure(
    sender: Any, departure: Departure, new_starts_at: datetime, **kwargs: Any
) -> None:
    """Refuse a move that one of the departure's guides cannot follow (weekly hours, time off,
    another visit too close). Runs with the departure row locked by the scheduling service."""
    services.assignments_move(departure=departure, new_starts_at=new_starts_at)


@receiver(departure_rescheduled)
def sync_assignment_ranges(sender: Any, departure: Departure, **kwargs: Any) -> None:
    """After commit: the stored ranges match the departure's times and the current buffer."""
    services.assignments_sync_ranges(departure=departure)


@receiver(booking_confirmed)
@receiver(booking_cancelled)
@receiver(booking_changed)
def bump_feed_sequence(sender: Any, booking: Booking, **kwargs: Any) -> None:
    """After commit: the groups of the departure changed, so its guides' events change too."""
    services.assignments_bump_sequence(departure_id=booking.departure_id)
