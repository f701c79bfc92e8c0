"""What the visits app does when a lower app says something happened."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from bookings.models import Booking
from bookings.signals import accessibility_warning_raised
from itineraries.models import Departure
from itineraries.services import departure_go_confirmed
from visits.access_alerts import access_alert_queue
from visits.go_no_go import groups_told_it_goes_ahead


@receiver(departure_go_confirmed)
def tell_groups_it_goes_ahead(sender: Any, departure: Departure, **kwargs: Any) -> None:
    """Sent after commit, by the go/no-go task or staff's admin action."""
    groups_told_it_goes_ahead(departure)


@receiver(accessibility_warning_raised)
def tell_staff_and_guides_of_access_needs(
    sender: Any, booking: Booking, event_id: int, **kwargs: Any
) -> None:
    """Sent after the participant list's commit (bookings.participants)."""
    access_alert_queue(booking, event_id)
