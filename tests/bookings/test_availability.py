"""Seats left and availability by day, at a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import schedule
from tests.guides.helpers import make_guide

pytestmark = pytest.mark.django_db


def test_departure_list_shows_seats_left(api: Any) -> None:
    departure = bookable_departure(capacity=20)
    book(api, departure, participants=7)
    rows = api.get("/api/v1/departures/?itinerary=base-11-19").json()["results"]
    assert [(row["id"], row["seats_left"]) for row in rows] == [(departure.pk, 13)]


def test_departure_list_queries_do_not_grow_with_bookings(
    api: Any, django_assert_num_queries: Any
) -> None:
    departure = bookable_departure(capacity=30)
    for day in range(41, 46):
        schedule(departure.itinerary, days=day, capacity=30)
    for _ in range(6):
        book(api, departure, participants=2)
    with django_assert_num_queries(2):
        rows = api.get("/api/v1/departures/").json()["results"]
    assert rows[0]["seats_left"] == 18


def _availability(api: Any, departure: Any, **query: Any) -> Any:
    start = timezone.localtime(departure.starts_at).date()
    params = {
        "from": (start - timedelta(days=3)).isoformat(),
        "to": (start + timedelta(days=3)).isoformat(),
    }
    params.update(query)
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    return api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/availability/?{qs}")


def test_availability_lists_departures_and_private_times_per_day(api: Any) -> None:
    departure = bookable_departure(capacity=20, private_start_times=["09:00", "14:00"])
    make_guide()  # private dates also need a free guide
    book(api, departure, participants=15)
    response = _availability(api, departure, participants=10)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["participants"] == 10
    assert len(body["days"]) == 7
    day = next(d for d in body["days"] if d["departures"])
    assert day["departures"][0]["seats_left"] == 5
    assert day["departures"][0]["bookable"] is False
    # The site takes 200 visitors: both private start times are free on every day.
    assert all(len(d["private_start_times"]) == 2 for d in body["days"])
    assert "T09:00:00+0" in body["days"][0]["private_start_times"][0]  # Paris time, CET or CEST


def test_private_times_respect_site_occupancy(api: Any) -> None:
    departure = bookable_departure(capacity=30, private_start_times=["10:00"])
    make_guide()  # private dates also need a free guide
    site = departure.itinerary.stops.get().site
    site.max_visitors = 35
    site.save()
    body = _availability(api, departure, participants=10).json()
    day_of_departure = timezone.localtime(departure.starts_at).date().isoformat()
    by_day = {d["date"]: d for d in body["days"]}
    # The public departure occupies the site from 10:00 with 30 places: 10 more do not fit.
    assert by_day[day_of_departure]["private_start_times"] == []
    other_days = [d for key, d in by_day.items() if key != day_of_departure]
    assert all(len(d["private_start_times"]) == 1 for d in other_days)
    smaller = _availability(api, departure, participants=5).json()
    assert (
        len({d["date"]: d for d in smaller["days"]}[day_of_departure]["private_start_times"]) == 1
    )


def test_availability_query_count_is_fixed_whatever_the_range(
    api: Any, django_assert_num_queries: Any
) -> None:
    departure = bookable_departure(capacity=30)
    make_guide()  # private dates also need a free guide
    for day in range(41, 50):
        schedule(departure.itinerary, days=day, capacity=30)
    book(api, departure, participants=3)
    # itinerary with themes, stops and options; departures with seats; stops; site occupancy (2);
    # the closures; the guides check: guides, their weekly hours, time off and assignments
    with django_assert_num_queries(13) as short:
        _availability(api, departure)
    start = timezone.localtime(departure.starts_at).date()
    with django_assert_num_queries(len(short.captured_queries)):
        api.get(
            f"/api/v1/itineraries/base-11-19/availability/?from={start.isoformat()}"
            f"&to={(start + timedelta(days=60)).isoformat()}"
        )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=tomorrow", "from"),
        ("to=2027-13-01", "to"),
        ("from=2027-03-10&to=2027-03-01", "to"),
        ("from=2027-01-01&to=2027-12-31", "to"),
        ("participants=0", "participants"),
        ("participants=100000", "participants"),
    ],
)
def test_bad_availability_queries(api: Any, query: str, field: str) -> None:
    bookable_departure()
    response = api.get(f"/api/v1/itineraries/base-11-19/availability/?{query}")
    assert_problem(response, 400, "validation_error", field)


def test_availability_of_unknown_itinerary_is_404(api: Any) -> None:
    assert_problem(api.get("/api/v1/itineraries/nowhere/availability/"), 404, "not_found")
