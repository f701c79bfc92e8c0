"""Two town halls request the same two staggered groups at the same moment (PostgreSQL).

The sites take 25 at once; one pair of groups of 20 fits (each group one site behind the other),
two pairs do not. The scheduling service's site lock (taken for the first group, held through
the second) lets one request write both groups and refuses the other, which writes nothing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest

from bookings.inputs import BookingRequest
from bookings.models import Booking
from bookings.services import staggered
from bookings.terms import current_terms
from core.errors import Conflict
from itineraries import services
from itineraries.models import Departure, Itinerary
from tests.concurrency.conftest import run_in_threads
from tests.factories import ItineraryFactory, SiteFactory
from tests.guides.helpers import at, make_guide

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rendezvous() -> Iterator[None]:
    """Hold each request between an occupancy count and its write until both got there (as in
    test_site_occupancy.py: with the site lock the second never arrives, and the wait times out)."""
    barrier = threading.Barrier(2, timeout=2)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()  # cyclic: the second group's counts meet again

    services._after_occupancy_check = wait
    yield
    services._after_occupancy_check = None


def _two_town_halls() -> list[Any]:
    sites = [SiteFactory(max_visitors=25) for _ in range(3)]
    cast(
        Itinerary,
        ItineraryFactory(
            slug="ville-pilote",
            min_participants=8,
            max_participants=20,
            languages=["fr"],
            private_start_times=["09:00"],
            stops=[
                {"site": site, "offset_minutes": i * 30, "duration_minutes": 30}
                for i, site in enumerate(sites)
            ],
        ),
    )
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    data = {
        "itinerary": "ville-pilote",
        "starts_at": at(20, 9),
        "participants": 40,
        "split": [20, 20],
        "language": "fr",
        "organisation": {"name": "Mairie", "type": "public_body"},
        "contact": {"name": "Claire Martin", "email": "claire@example.org"},
        "billing": {"address": "Place des Héros", "postal_code": "62000", "city": "Arras"},
        "payment_method": "invoice",
        "terms_version": current_terms().version,
    }

    def book() -> list[tuple[Booking, str]]:
        return staggered.booking_create_staggered(request=BookingRequest.from_data(data))

    return run_in_threads([book, book])


def test_two_concurrent_staggered_requests_one_gets_both_groups(rendezvous: None) -> None:
    results = _two_town_halls()
    winners = [r for r in results if isinstance(r, list)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].code == services.SITE_CAPACITY_EXCEEDED
    # Both groups of the winner, and nothing of the loser (its first group rolled back too).
    assert Booking.objects.count() == 2
    assert Departure.objects.count() == 2
    assert set(Booking.objects.values_list("companion_id", flat=True)) == set(
        Booking.objects.values_list("pk", flat=True)
    )


def test_negative_control_without_the_site_lock_both_overfill(
    monkeypatch: pytest.MonkeyPatch, rendezvous: None
) -> None:
    monkeypatch.setattr(services, "_site_locks_enabled", False)
    results = _two_town_halls()
    assert all(isinstance(r, list) for r in results), results
    # 40 visitors on sites of 25: the race the lock prevents.
    assert Departure.objects.count() == 4
