"""Two administrators schedule departures on the same site at the same moment (PostgreSQL)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from core.errors import Conflict
from itineraries import services
from itineraries.models import Departure
from tests.concurrency.conftest import run_in_threads
from tests.factories import ItineraryFactory, SiteFactory, in_days

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rendezvous() -> Iterator[threading.Barrier]:
    """Hold each scheduler between its occupancy count and its write until both got there.

    With the site lock, the second scheduler waits on the lock and never reaches the barrier, so
    the first one's wait times out and it goes on alone: the barrier only ever helps a race.
    """
    barrier = threading.Barrier(2, timeout=2)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    services._after_occupancy_check = wait
    yield barrier
    services._after_occupancy_check = None


def _two_schedulers() -> list[Any]:
    site = SiteFactory(max_visitors=40)
    itinerary = ItineraryFactory(max_participants=30, stops=[{"site": site}])
    starts = in_days(7, 10)

    def book() -> Departure:
        return services.departure_schedule(
            itinerary=itinerary, starts_at=starts, language="fr", capacity=30
        )

    return run_in_threads([book, book])


def test_two_concurrent_schedulings_one_wins(rendezvous: threading.Barrier) -> None:
    results = _two_schedulers()
    winners = [r for r in results if isinstance(r, Departure)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert losers[0].code == services.SITE_CAPACITY_EXCEEDED
    assert Departure.objects.count() == 1


def test_negative_control_without_the_lock_both_overfill(
    monkeypatch: pytest.MonkeyPatch, rendezvous: threading.Barrier
) -> None:
    monkeypatch.setattr(services, "_site_locks_enabled", False)
    results = _two_schedulers()
    assert all(isinstance(r, Departure) for r in results), results
    # 60 visitors on a 40-visitor site: the race the lock prevents.
    assert Departure.objects.count() == 2
