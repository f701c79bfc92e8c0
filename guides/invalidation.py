"""What a write to the guides' tables makes stale, said once by the service or admin that writes it.

A guide, its weekly hours, its time off and its assignments feed three cached answers: the
private start times offered (free guides speaking the language: ``availability``), the calendar
feeds (``guides.calendar.FEED_NAMESPACE``) and the programmes' guides section
(``bookings.programme.SECTIONS_NAMESPACE``). Every service of ``guides.services`` and the guides'
admin (``GuideAdmin``) call ``guides_written`` once, inside their transaction.

The feeds also show what lower apps write, which those apps invalidate through their own
extension points: the catalogue's departures, itineraries and sites
(``itineraries.invalidation.catalogue_dependents``) and the confirmed groups of a departure
(``bookings.invalidation.booking_dependents``, answered by ``feed_shows_booking``).

There is no ``post_save`` receiver behind this: ``tests/guides/test_invalidation.py`` fails for
a service or an admin page that writes a guides' row without saying so.
"""

from __future__ import annotations

from bookings.models import Booking, BookingStatus
from bookings.programme import SECTIONS_NAMESPACE
from core.cache import bump
from guides.calendar import FEED_NAMESPACE
from itineraries.invalidation import AVAILABILITY


def guides_written() -> None:
    """Invalidate the start times offered, the calendar feeds and the programmes' guides."""
    bump(AVAILABILITY, FEED_NAMESPACE, SECTIONS_NAMESPACE)


def feeds_written() -> None:
    """Invalidate the calendar feeds only (an event's sequence moved, nothing else)."""
    bump(FEED_NAMESPACE)


def feed_shows_booking(booking: Booking, created: bool) -> tuple[str, ...]:
    """The feeds list a departure's confirmed groups: a confirmed booking written, or a booking
    whose status may have moved away from confirmed, makes them stale; a new request or hold
    does not."""
    if booking.status == BookingStatus.CONFIRMED or not created:
        return (FEED_NAMESPACE,)
    return ()
