"""Groups racing for the last seats on PostgreSQL: the departure lock means no oversell."""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from bookings import errors
from bookings.models import Booking
from bookings.services import base as services  # the race tests' seams and switches
from tests.bookings.helpers import bookable_departure, booking_body
from tests.concurrency.conftest import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def held_between_count_and_write(parties: int) -> Iterator[None]:
    """Without the lock every racer reaches the barrier and all write on the same count; with
    it the racers queue on the row lock, the barrier breaks after a second, and they go one by
    one. The barrier can only help the race, never hide it."""
    barrier = threading.Barrier(parties, timeout=1)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    services._after_seat_count = wait
    try:
        yield
    finally:
        services._after_seat_count = None


def _racers(departure_id: int, count: int) -> list[Any]:
    rng = random.Random(7)
    sizes = [rng.randint(1, 3) for _ in range(count)]

    def racer(index: int) -> Any:
        def run() -> Any:
            client = APIClient(REMOTE_ADDR=f"10.0.{index // 200}.{index % 200 + 1}")
            body = booking_body(participants=sizes[index], options=[], departure=departure_id)
            return client.post("/api/v1/bookings/", body, format="json")

        return run

    return run_in_threads([racer(i) for i in range(count)])


def _seats(departure_id: int) -> int:
    return Booking.objects.filter(departure_id=departure_id).aggregate(n=Sum("participants"))["n"]


def test_forty_groups_race_for_ten_seats_and_never_oversell() -> None:
    departure = bookable_departure(capacity=10)
    with held_between_count_and_write(40):
        responses = _racers(departure.pk, 40)
    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409}, codes
    assert codes.count(201) >= 4
    assert _seats(departure.pk) <= 10
    for response in responses:
        if response.status_code == 409:
            body = response.json()
            assert body["code"] == errors.SOLD_OUT
            assert body["errors"][0]["field"] == "participants"


def test_negative_control_without_the_lock_the_race_oversells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    departure = bookable_departure(capacity=10)
    monkeypatch.setattr(services, "_departure_lock_enabled", False)
    with held_between_count_and_write(40):
        responses = _racers(departure.pk, 40)
    # On a loaded machine a few racers may miss the barrier's second and queue behind the rest
    # (409); what the control must show is that the departure oversells.
    assert {r.status_code for r in responses} <= {201, 409}
    assert _seats(departure.pk) > 10


def _grow_in_parallel(parties: int) -> tuple[int, list[Any]]:
    departure = bookable_departure(capacity=12)
    client = APIClient()
    tokens = []
    for index in range(parties):
        body = booking_body(departure, participants=2, options=[])
        created = APIClient(REMOTE_ADDR=f"10.1.0.{index + 1}").post(
            "/api/v1/bookings/", body, format="json"
        )
        tokens.append((created.json()["reference"], created.json()["token"]))

    def grow(reference: str, token: str) -> Any:
        def run() -> Any:
            return APIClient().patch(
                f"/api/v1/bookings/{reference}/",
                {"participants": 3},
                format="json",
                HTTP_X_BOOKING_TOKEN=token,
            )

        return run

    with held_between_count_and_write(parties):
        responses = run_in_threads([grow(ref, tok) for ref, tok in tokens])
    del client
    return departure.pk, responses


def test_concurrent_changes_of_participants_never_oversell() -> None:
    departure_id, responses = _grow_in_parallel(5)  # 10 of 12 seats taken; five groups add one
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 200, 409, 409, 409], codes
    assert _seats(departure_id) == 12


def test_negative_control_concurrent_changes_without_the_lock_oversell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "_departure_lock_enabled", False)
    departure_id, responses = _grow_in_parallel(5)
    assert all(r.status_code == 200 for r in responses)
    assert _seats(departure_id) == 15


def test_duplicate_posts_with_one_idempotency_key_make_one_booking() -> None:
    departure = bookable_departure(capacity=30)
    body = booking_body(departure, participants=2, options=[])

    def post() -> Any:
        return APIClient(REMOTE_ADDR="10.2.0.1").post(
            "/api/v1/bookings/", body, format="json", HTTP_IDEMPOTENCY_KEY="double-click-1"
        )

    responses = run_in_threads([post] * 6)
    codes = [r.status_code for r in responses]
    assert set(codes) <= {201, 409}, codes
    assert Booking.objects.count() == 1
    created = [r.json() for r in responses if r.status_code == 201]
    assert {c["reference"] for c in created} == {Booking.objects.get().reference}
    for response in responses:
        if response.status_code == 409:
            assert response["Retry-After"]
