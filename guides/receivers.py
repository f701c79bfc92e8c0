"""Receivers: a departure's guides follow it when it moves; guide changes refresh availability;
any write a guide's feed shows makes the cached feeds stale."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from bookings.models import Booking, BookingStatus
from bookings.programme import SECTIONS_NAMESPACE
from bookings.signals import booking_cancelled, booking_changed, booking_confirmed
from core.cache import bump
from guides import services
from guides.calendar import FEED_NAMESPACE
from guides.models import Assignment, Guide, TimeOff, WeeklyAvailability
from itineraries.models import Departure, Itinerary, Site, Stop
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


GUIDE_MODELS = (Guide, WeeklyAvailability, TimeOff, Assignment)


@receiver(post_save)
@receiver(post_delete)
def guides_changed(sender: Any, **kwargs: Any) -> None:
    """Private start times depend on free guides: cached availability must not outlive a change."""
    if sender in GUIDE_MODELS:
        bump("availability")


# What a feed shows: the guides (theirs and their team's names), the assignments, the departures,
# and the itineraries with their stops and sites.
FEED_MODELS = (Guide, Assignment, Departure, Itinerary, Stop, Site)


@receiver(post_save)
@receiver(post_delete)
def programme_guides_changed(sender: Any, **kwargs: Any) -> None:
    """The programmes list the departures' guides (names, phones, roles)."""
    if sender in (Guide, Assignment):
        bump(SECTIONS_NAMESPACE)


@receiver(post_save)
@receiver(post_delete)
def feeds_changed(sender: Any, **kwargs: Any) -> None:
    if sender in FEED_MODELS:
        bump(FEED_NAMESPACE)


@receiver(post_save, sender=Booking)
def feed_groups_saved(
    sender: Any, instance: Booking, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """Feeds list the confirmed groups: a confirmed booking written, or a booking whose status
    may have changed (away from confirmed), makes them stale; a new request or hold does not."""
    status_may_change = not created and (update_fields is None or "status" in update_fields)
    if instance.status == BookingStatus.CONFIRMED or status_may_change:
        bump(FEED_NAMESPACE)


@receiver(post_delete, sender=Booking)
def feed_groups_deleted(sender: Any, instance: Booking, **kwargs: Any) -> None:
    if instance.status == BookingStatus.CONFIRMED:
        bump(FEED_NAMESPACE)
