"""What a write to a booking makes stale, said once by the service that writes it.

A booking's row feeds two cached answers: the seats left (the ``availability`` namespace, read by
the catalogue's departures and the availability by day) and the heads of its programme PDF (its
own namespace, ``bookings.programme.booking_namespace``). Every service that writes a booking
calls ``booking_written`` once per booking, right after the write and inside its transaction;
``core.cache`` bumps now (the writer's own later reads are fresh) and again after commit (what a
concurrent reader cached between the two is dropped). A new booking is bumped after commit only:
nothing was cached for it, and no cache round trip is spent while the departure is locked.

There is no ``post_save`` receiver behind this: a write through ``.update()`` or a raw query is
no exception, and ``tests/bookings/test_invalidation.py`` fails for a service that writes a
booking without saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bookings.models import Booking
from bookings.programme import booking_namespace
from core.cache import bump, bump_after_commit
from core.extensions import ExtensionPoint
from itineraries.invalidation import AVAILABILITY

# What the apps above show of a booking, as the cache namespaces a written booking makes stale
# (guides: the calendar feeds list the confirmed groups). A contribution returns its namespaces
# for the booking written, and whether it was created.
BookingDependents = Callable[[Booking, bool], Sequence[str]]
booking_dependents = ExtensionPoint[BookingDependents]("bookings.booking_dependents")


def booking_written(booking: Booking, *, created: bool = False) -> None:
    """Invalidate what ``booking``'s row feeds: seats left, its programme's heads, and what the
    apps above show of it."""
    above = [namespace for shows in booking_dependents for namespace in shows(booking, created)]
    if created:
        bump_after_commit(AVAILABILITY, *above)
    else:
        bump(AVAILABILITY, booking_namespace(booking.reference), *above)


def seat_hold_written(*, created: bool = False) -> None:
    """Invalidate the seats left after a seat hold was placed, moved in time or released
    (``bookings.services.holds``); a new hold after commit only, as a new booking."""
    if created:
        bump_after_commit(AVAILABILITY)
    else:
        bump(AVAILABILITY)
