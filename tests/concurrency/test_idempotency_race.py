"""The same Idempotency-Key sent several times at once (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from core import idempotency
from core.idempotency import IDEMPOTENCY_REQUEST_IN_PROGRESS
from itineraries.models import Departure
from tests.concurrency.conftest import run_in_threads
from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, SiteFactory, StaffFactory, in_days

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 5
KEY = "race-3b1d4c55-0f7e-4a49-a7b3-3c0b9f0c2d6e"


class HoldFirst:
    """Hold the request that claimed the key inside its view until every duplicate has answered.

    Only the claimer calls the seam. The duplicates count themselves out as they get their answer;
    when all of them have, the claimer goes on. The timeout only keeps a broken run from hanging:
    it does not make the test pass (each duplicate must then still answer 409 or a replay).
    """

    def __init__(self, duplicates: int) -> None:
        self.duplicates = duplicates
        self.answered = 0
        self.lock = threading.Lock()
        self.all_answered = threading.Event()

    def hold(self) -> None:
        self.all_answered.wait(timeout=10)

    def one_answered(self) -> None:
        with self.lock:
            self.answered += 1
            if self.answered >= self.duplicates:
                self.all_answered.set()


@pytest.fixture
def hold_first() -> Iterator[HoldFirst]:
    holder = HoldFirst(duplicates=CLIENTS - 1)
    idempotency._after_claim = holder.hold
    yield holder
    idempotency._after_claim = None


def _senders(key: str | None, on_answer: Callable[[], None]) -> list[Callable[[], Any]]:
    site = SiteFactory(max_visitors=1000)
    ItineraryFactory(slug="race", max_participants=30, stops=[{"site": site}])
    staff = StaffFactory(username="office")
    payload = {"itinerary": "race", "language": "fr", "starts_at": in_days(10).isoformat()}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    start = threading.Barrier(CLIENTS, timeout=10)

    def send() -> Any:
        client = APIClient()
        client.force_authenticate(staff)
        start.wait()
        response = client.post("/api/v1/departures/", payload, format="json", **headers)
        if response.status_code != 201 or "Idempotent-Replayed" in response:
            on_answer()  # a duplicate: the one that created the departure is still held
        return response

    return [send] * CLIENTS


def test_concurrent_duplicates_make_one_departure(hold_first: HoldFirst) -> None:
    answers = run_in_threads(_senders(KEY, hold_first.one_answered))
    assert not [a for a in answers if isinstance(a, Exception)], answers

    created = [a for a in answers if a.status_code == 201]
    conflicts = [a for a in answers if a.status_code != 201]
    assert Departure.objects.count() == 1
    originals = [a for a in created if "Idempotent-Replayed" not in a]
    assert len(originals) == 1
    departure_id = Departure.objects.get().pk
    assert all(a.json()["id"] == departure_id for a in created)
    for answer in conflicts:
        assert_problem(answer, 409, IDEMPOTENCY_REQUEST_IN_PROGRESS, "Idempotency-Key")
        assert answer["Retry-After"] == "1"
    assert conflicts, "no duplicate arrived while the first request was in progress"

    # Once the first request is done, a retry of a 409 gets the stored answer.
    retry = APIClient()
    retry.force_authenticate(StaffFactory(username="office"))
    replay = retry.post(
        "/api/v1/departures/",
        {"itinerary": "race", "language": "fr", "starts_at": in_days(10).isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.content == originals[0].content


def test_negative_control_without_a_key_every_duplicate_creates_a_departure() -> None:
    answers = run_in_threads(_senders(None, lambda: None))
    assert [getattr(a, "status_code", a) for a in answers] == [201] * CLIENTS
    assert Departure.objects.count() == CLIENTS
