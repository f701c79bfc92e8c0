"""A quote accepted while its seats are being sold, and a quote accepted twice at once, on
PostgreSQL: the departure lock (bookings) means no oversell, the quote's row lock one booking."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import IntegrityError
from django.db.models import Sum
from rest_framework.test import APIClient

from bookings.models import Booking
from bookings.services import base as booking_services
from procurement import services as quote_services
from procurement.models import Quote, QuoteAcceptance
from tests.bookings.helpers import bookable_departure, booking_body
from tests.concurrency.conftest import run_in_threads
from tests.procurement.helpers import quote_body

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def barrier_at(module: Any, seam: str, parties: int) -> Iterator[None]:
    """Hold the racers at ``module.seam`` until all arrive, or a second passes (a lock keeps
    them apart): the barrier can only help the race, never hide it."""
    barrier = threading.Barrier(parties, timeout=1)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    setattr(module, seam, wait)
    try:
        yield
    finally:
        setattr(module, seam, None)


def _quote(departure: Any) -> dict[str, Any]:
    response = APIClient(REMOTE_ADDR="10.3.0.1").post(
        "/api/v1/quotes/", quote_body(departure), format="json"
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _accept(quote: dict[str, Any], address: str) -> Callable[[], Any]:
    def run() -> Any:
        return APIClient(REMOTE_ADDR=address).post(
            f"/api/v1/quotes/{quote['number']}/accept/",
            {"name": "Claire Martin", "role": "Directrice", "statement": True},
            format="json",
            HTTP_X_QUOTE_TOKEN=quote["token"],
        )

    return run


def _sell(departure_id: int, participants: int) -> Callable[[], Any]:
    def run() -> Any:
        body = booking_body(participants=participants, options=[], departure=departure_id)
        return APIClient(REMOTE_ADDR="10.3.0.9").post("/api/v1/bookings/", body, format="json")

    return run


def _seats(departure_id: int) -> int:
    total = Booking.objects.filter(departure_id=departure_id).aggregate(n=Sum("participants"))
    return int(total["n"] or 0)


def _race_acceptance_and_sale() -> tuple[int, list[Any]]:
    departure = bookable_departure(capacity=30)
    quote = _quote(departure)  # 24 seats
    with barrier_at(booking_services, "_after_seat_count", 2):
        responses = run_in_threads([_accept(quote, "10.3.0.2"), _sell(departure.pk, 10)])
    return departure.pk, responses


def test_a_quote_accepted_while_its_seats_are_sold_never_oversells() -> None:
    departure_id, responses = _race_acceptance_and_sale()
    codes = sorted(r.status_code for r in responses)
    assert codes in ([200, 409], [201, 409]), codes  # one wins, the other is sold out
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["code"] == "sold_out"
    assert _seats(departure_id) <= 30
    quote = Quote.objects.get()
    assert (quote.booking is not None) == QuoteAcceptance.objects.exists()


def test_negative_control_without_the_departure_lock_the_acceptance_oversells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(booking_services, "_departure_lock_enabled", False)
    departure_id, responses = _race_acceptance_and_sale()
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert _seats(departure_id) == 34


def _race_two_acceptances() -> list[Any]:
    departure = bookable_departure(capacity=60)
    quote = _quote(departure)
    with barrier_at(quote_services, "_before_booking", 2):
        return run_in_threads([_accept(quote, "10.3.0.3"), _accept(quote, "10.3.0.4")])


def test_a_quote_accepted_twice_at_once_makes_one_booking() -> None:
    responses = _race_two_acceptances()
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409], codes
    assert next(r for r in responses if r.status_code == 409).json()["code"] == (
        "quote_already_accepted"
    )
    assert Booking.objects.count() == 1
    assert QuoteAcceptance.objects.count() == 1


def test_negative_control_without_the_quote_lock_both_racers_book(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(quote_services, "_quote_lock_enabled", False)
    responses = _race_two_acceptances()
    # Both racers read an open quote and book; only the acceptance's one-to-one unique index
    # stops the second, with a database error instead of ``quote_already_accepted``.
    assert any(isinstance(r, IntegrityError) for r in responses), responses
    assert Booking.objects.count() == 1
