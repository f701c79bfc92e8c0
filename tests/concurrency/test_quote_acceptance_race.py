"""A quote accepted while its seats are being sold, and a quote accepted twice at once, on
PostgreSQL: the quote's seat hold passes to the booking under the departure lock (bookings), so
no oversell and no seat lost; the quote's row lock means one booking."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import IntegrityError
from django.db.models import Sum
from rest_framework.test import APIClient

from bookings.models import Booking, SeatHold
from bookings.selectors import seats_taken
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


def _race_acceptance_and_sales() -> tuple[int, list[Any]]:
    """The quote holds 24 of 30 seats; its acceptance races two sales of the 6 left (6 and 1),
    all three held at the seat count until each has counted."""
    departure = bookable_departure(capacity=30)
    quote = _quote(departure)  # 24 seats, held
    with barrier_at(booking_services, "_after_seat_count", 3):
        responses = run_in_threads(
            [_accept(quote, "10.3.0.2"), _sell(departure.pk, 6), _sell(departure.pk, 1)]
        )
    return departure.pk, responses


def _seats_taken_now(departure_id: int) -> int:
    return seats_taken(departure_id=departure_id)


def test_a_quote_accepted_while_its_seats_are_sold_never_oversells() -> None:
    departure_id, responses = _race_acceptance_and_sales()
    accepted, six, one = responses
    # The hold's seats pass to the booking: the acceptance never loses them to a sale, and
    # the sales share the 6 seats the hold left (one of them is refused).
    assert accepted.status_code == 200, accepted
    assert sorted([six.status_code, one.status_code]) == [201, 409]
    loser = six if six.status_code == 409 else one
    assert loser.json()["code"] == "sold_out"
    assert _seats(departure_id) <= 30
    assert _seats_taken_now(departure_id) == _seats(departure_id)  # the hold was released
    quote = Quote.objects.get()
    assert quote.booking is not None and QuoteAcceptance.objects.exists()
    assert SeatHold.objects.get().released_at is not None


def test_negative_control_without_the_departure_lock_the_acceptance_oversells(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(booking_services, "_departure_lock_enabled", False)
    departure_id, responses = _race_acceptance_and_sales()
    assert [r.status_code for r in responses] == [200, 201, 201]
    assert _seats(departure_id) == 31


def _race_acceptance_and_exact_sale() -> tuple[int, list[Any]]:
    departure = bookable_departure(capacity=30)
    quote = _quote(departure)
    with barrier_at(booking_services, "_after_seat_count", 2):
        responses = run_in_threads([_accept(quote, "10.3.0.5"), _sell(departure.pk, 6)])
    return departure.pk, responses


def test_the_seats_left_beside_the_hold_stay_sellable_while_it_turns_into_the_booking() -> None:
    """No moment where both the hold and the booking take the seats: the sale of exactly the
    seats left succeeds beside the acceptance."""
    departure_id, responses = _race_acceptance_and_exact_sale()
    assert [r.status_code for r in responses] == [200, 201], responses
    assert _seats(departure_id) == 30 == _seats_taken_now(departure_id)


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
