"""The seat hold follows the quote: an open quote on a public departure holds its seats (the one
seat count adds the running holds), the hold moves with the validity, and is released when the
quote is declined, revised, accepted (its seats pass to the booking) or expired (beat)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import (
    SEAT_HOLD_RUNNING_SQL,
    Booking,
    SeatHold,
    seat_hold_running_q,
)
from bookings.selectors import seats_taken
from procurement.models import Quote, QuoteEvent
from procurement.tasks import release_expired_quote_holds
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.procurement.helpers import quote_body, quote_staff

pytestmark = pytest.mark.django_db


def _ask(api: APIClient, departure: Any, **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/v1/quotes/", quote_body(departure, **overrides), format="json")
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _seats_left(api: APIClient, departure: Any) -> int:
    rows = api.get(f"/api/v1/departures/?itinerary={departure.itinerary.slug}").json()["results"]
    return int(next(row["seats_left"] for row in rows if row["id"] == departure.pk))


def _day_seats_left(api: APIClient, departure: Any) -> int:
    start = timezone.localtime(departure.starts_at).date().isoformat()
    body = api.get(
        f"/api/v1/itineraries/{departure.itinerary.slug}/availability/"
        f"?from={start}&to={start}&participants=1"
    ).json()
    return int(next(d for d in body["days"] if d["departures"])["departures"][0]["seats_left"])


@pytest.fixture
def office() -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(quote_staff(username="quotes"))
    return client


def _accept(api: APIClient, quote: dict[str, Any]) -> Any:
    return api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Directrice", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )


def test_an_open_quote_holds_its_seats_and_acceptance_turns_the_hold_into_the_booking(
    api: APIClient,
) -> None:
    departure = bookable_departure(capacity=30)
    assert _seats_left(api, departure) == 30 and _day_seats_left(api, departure) == 30  # cached
    quote = _ask(api, departure)  # 24 seats
    assert _seats_left(api, departure) == 6 and _day_seats_left(api, departure) == 6
    hold = Quote.objects.get(number=quote["number"]).seat_hold
    assert hold is not None and hold.seats == 24 and hold.takes_seats()
    assert hold.expires_at == Quote.objects.get(number=quote["number"]).valid_until

    refused = book(api, departure, participants=7)
    assert_problem(refused, 409, "sold_out", "participants")
    assert refused.json()["seats_left"] == 6
    assert book(api, departure, participants=6).status_code == 201

    accepted = _accept(api, quote)
    assert accepted.status_code == 200, accepted.content
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert seats_taken(departure_id=departure.pk) == 30  # the booking's 24, never 48
    assert _seats_left(api, departure) == 0
    assert Booking.objects.filter(quote__number=quote["number"]).get().participants == 24


def test_a_quote_is_refused_when_its_seats_are_not_left(api: APIClient) -> None:
    departure = bookable_departure(capacity=30)
    assert book(api, departure, participants=10).status_code == 201
    response = api.post("/api/v1/quotes/", quote_body(departure), format="json")
    assert_problem(response, 409, "sold_out", "participants")
    assert not Quote.objects.exists() and not SeatHold.objects.exists()


def test_declining_releases_the_seats(api: APIClient, office: APIClient) -> None:
    departure = bookable_departure(capacity=30)
    quote = _ask(api, departure)
    assert _seats_left(api, departure) == 6
    response = office.post(
        f"/api/v1/quotes/{quote['number']}/decline/", {"reason": "Trip cancelled"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert _seats_left(api, departure) == 30
    assert SeatHold.objects.get().released_at is not None


def test_a_revision_moves_the_hold_to_the_new_version(api: APIClient, office: APIClient) -> None:
    departure = bookable_departure(capacity=30)
    quote = _ask(api, departure)
    body = quote_body(departure, categories={"pupils": 10, "adults": 0, "staff": 2})
    revised = office.post(f"/api/v1/quotes/{quote['number']}/revise/", body, format="json")
    assert revised.status_code == 200, revised.content
    assert _seats_left(api, departure) == 18
    holds = list(SeatHold.objects.order_by("pk"))
    assert [(h.seats, h.released_at is None) for h in holds] == [(24, False), (12, True)]


def test_a_private_date_quote_holds_nothing(api: APIClient) -> None:
    departure = bookable_departure(capacity=30, private_start_times=["09:00"])
    start = timezone.localtime(departure.starts_at).replace(hour=9, minute=0) + timedelta(days=1)
    body = quote_body(None, itinerary=departure.itinerary.slug, starts_at=start.isoformat())
    body.pop("departure", None)
    response = api.post("/api/v1/quotes/", body, format="json")
    assert response.status_code == 201, response.content
    assert Quote.objects.get().seat_hold is None and not SeatHold.objects.exists()


def test_extending_moves_the_hold_and_an_expired_hold_comes_back_only_if_seats_are_left(
    api: APIClient, office: APIClient
) -> None:
    departure = bookable_departure(capacity=30)
    quote = _ask(api, departure)
    stored = Quote.objects.get(number=quote["number"])
    url = f"/api/v1/quotes/{quote['number']}/extend/"
    assert office.post(url, {"days": 10}, format="json").status_code == 200
    stored.refresh_from_db()
    hold = SeatHold.objects.get()
    assert hold.expires_at == stored.valid_until and hold.takes_seats()

    # The quote runs out: the beat releases its seats and says so in the quote's trail.
    past = timezone.now() - timedelta(minutes=1)
    Quote.objects.filter(pk=stored.pk).update(valid_until=past)
    SeatHold.objects.update(expires_at=past)
    assert release_expired_quote_holds() == 1
    assert release_expired_quote_holds() == 0  # idempotent
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert QuoteEvent.objects.filter(quote=stored, action="hold_released").count() == 1
    assert _seats_left(api, departure) == 30

    # Seats sold meanwhile: extending would oversell, so it is refused and nothing changes.
    assert book(api, departure, participants=10).status_code == 201
    assert_problem(office.post(url, {"days": 10}, format="json"), 409, "sold_out")
    stored.refresh_from_db()
    assert stored.valid_until == past
    hold.refresh_from_db()
    assert hold.released_at is not None

    # Seats back: extending holds them again.
    Booking.objects.update(status="cancelled")
    assert office.post(url, {"days": 10}, format="json").status_code == 200
    hold.refresh_from_db()
    assert hold.released_at is None and hold.takes_seats()
    assert _seats_left(api, departure) == 6


@pytest.mark.parametrize("released", [False, True])
@pytest.mark.parametrize("minutes", [-5, 0, 5])
def test_the_three_forms_of_the_hold_rule_agree(released: bool, minutes: int) -> None:
    departure = bookable_departure(capacity=30)
    now = timezone.now()
    hold = SeatHold.objects.create(
        departure=departure,
        seats=3,
        expires_at=now + timedelta(minutes=minutes),
        released_at=now if released else None,
        reason="test",
    )
    by_method = hold.takes_seats(now)
    by_q = SeatHold.objects.filter(seat_hold_running_q(now), pk=hold.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {SeatHold._meta.db_table} "  # noqa: S608
            f"WHERE id = %s AND {SEAT_HOLD_RUNNING_SQL}",
            [hold.pk, now],
        )
        by_sql = cursor.fetchone()[0] == 1
    assert by_method == by_q == by_sql == (not released and minutes > 0)
