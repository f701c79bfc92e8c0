"""Groups larger than one guide takes (issue 14 item 3), over HTTP.

A class of 28 pupils and 3 teachers, or a town hall of 40, on an itinerary whose public
departures take groups of up to 30: a private date led by two guides when the sites hold them,
a quote request when nothing fits, and the calendar says per day why a date does not fit.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from bookings import errors
from itineraries.models import Departure
from tests.bookings.helpers import bookable_departure, booking_body
from tests.conftest import assert_problem
from tests.guides.helpers import at, make_guide

pytestmark = pytest.mark.django_db


def _availability(api: Any, departure: Departure, **query: Any) -> dict[str, Any]:
    start = timezone.localtime(departure.starts_at).date()
    params = {
        "from": (start - timedelta(days=2)).isoformat(),
        "to": (start + timedelta(days=2)).isoformat(),
        **query,
    }
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    response = api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/availability/?{qs}")
    assert response.status_code == 200, response.content
    return response.json()


def _departure(site_capacity: int = 200) -> Departure:
    departure = bookable_departure(private_start_times=["09:00"], languages=["fr", "en"])
    site = departure.itinerary.stops.get().site
    site.max_visitors = site_capacity
    site.save()
    return departure


def test_a_town_hall_of_forty_gets_a_private_date_led_by_two_guides(api: Any) -> None:
    departure = _departure()
    make_guide(languages=["fr"])
    body = _availability(api, departure, participants=40, language="fr")
    assert body["participants"] == 40
    assert body["group"] == {
        "participants": 40,
        "fits": "private",
        "guides_needed": 2,
        "largest_public_group": 30,
        "largest_private_group": 200,
        "split": None,
        "stagger_minutes": 30,
        "office_email": settings.OFFICE_EMAIL,
    }
    # One free guide only: every day says why no private time is offered.
    free_days = [d for d in body["days"] if not d["departures"]]
    assert {d["private_unavailable"] for d in body["days"]} == {"no_guide"}
    assert all(d["private_start_times"] == [] for d in free_days)
    make_guide(languages=["fr"])
    body = _availability(api, departure, participants=40, language="fr")
    assert all(len(d["private_start_times"]) == 1 for d in body["days"])
    assert {d["private_unavailable"] for d in body["days"]} == {None}
    response = api.post(
        "/api/v1/bookings/",
        booking_body(itinerary="base-11-19", starts_at=at(41, 9).isoformat(), participants=40),
        format="json",
    )
    assert response.status_code == 201, response.content
    private = Departure.objects.get(bookings__reference=response.json()["reference"])
    assert private.capacity == 40


def test_the_public_departure_says_how_many_seats_are_left_for_a_large_group(api: Any) -> None:
    departure = _departure()
    body = _availability(api, departure, participants=31)
    day = next(d for d in body["days"] if d["departures"])
    assert day["departures"][0]["seats_left"] == 30
    assert day["departures"][0]["bookable"] is False
    assert body["group"]["fits"] == "private"
    assert body["group"]["guides_needed"] == 2


def test_a_group_larger_than_the_sites_hold_is_offered_a_quote(api: Any) -> None:
    departure = _departure(site_capacity=35)
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    # 75: two groups of 38 and 37 do not fit either (40 would: two groups of 20).
    body = _availability(api, departure, participants=75)
    assert body["group"]["fits"] == "quote"
    assert body["group"]["largest_private_group"] == 35
    assert {d["private_unavailable"] for d in body["days"]} == {"group_too_large"}
    response = api.post(
        "/api/v1/bookings/",
        booking_body(itinerary="base-11-19", starts_at=at(41, 9).isoformat(), participants=75),
        format="json",
    )
    problem = assert_problem(response, 400, errors.PARTICIPANTS_OUT_OF_RANGE, "participants")
    assert settings.OFFICE_EMAIL in problem["errors"][0]["message"]


def test_each_day_says_why_no_private_time_fits(api: Any) -> None:
    departure = _departure(site_capacity=40)
    make_guide(languages=["fr"])
    body = _availability(api, departure, participants=20)
    by_day = {d["date"]: d for d in body["days"]}
    # The public departure takes the site (30 of 40) from 10:00: 20 more do not fit at 9:00.
    day = timezone.localtime(departure.starts_at).date().isoformat()
    assert by_day.pop(day)["private_unavailable"] == "site_capacity"
    assert {d["private_unavailable"] for d in by_day.values()} == {None}


def test_too_close_dates_say_lead_time(api: Any) -> None:
    departure = _departure()
    make_guide(languages=["fr"])
    today = timezone.localdate()
    qs = f"from={today.isoformat()}&to={today.isoformat()}&participants=12"
    body = api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/availability/?{qs}").json()
    assert body["days"][0]["private_unavailable"] == "lead_time"


def test_a_private_group_may_grow_beyond_the_public_maximum(api: Any) -> None:
    _departure()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    created = api.post(
        "/api/v1/bookings/",
        booking_body(itinerary="base-11-19", starts_at=at(41, 9).isoformat(), participants=25),
        format="json",
    ).json()
    response = api.patch(
        f"/api/v1/bookings/{created['reference']}/",
        {"participants": 38},
        format="json",
        HTTP_X_BOOKING_TOKEN=created["token"],
    )
    assert response.status_code == 200, response.content
    assert response.json()["participants"] == 38
