"""Private dates need enough free guides speaking the language, over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookings import errors
from guides.models import TimeOff
from itineraries.models import Departure
from tests.bookings.helpers import bookable_departure, booking_body
from tests.conftest import assert_problem
from tests.guides.helpers import assign, at, make_guide

pytestmark = pytest.mark.django_db


def _private_itinerary(**overrides: Any) -> Departure:
    """A public departure at 10:00 in 40 days; private visits (90 minutes) at 9:00."""
    overrides.setdefault("private_start_times", ["09:00"])
    overrides.setdefault("languages", ["fr", "en", "de"])
    return bookable_departure(**overrides)


def _availability(api: Any, departure: Departure, days: int = 3, **query: Any) -> dict[str, Any]:
    start = timezone.localtime(departure.starts_at).date()
    params = {
        "from": (start - timedelta(days=days)).isoformat(),
        "to": (start + timedelta(days=days)).isoformat(),
        **query,
    }
    qs = "&".join(f"{k}={v}" for k, v in params.items())
    response = api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/availability/?{qs}")
    assert response.status_code == 200, response.content
    return response.json()


def _private_times(body: dict[str, Any]) -> dict[str, int]:
    return {day["date"]: len(day["private_start_times"]) for day in body["days"]}


def _request_private(api: Any, starts: Any, **overrides: Any) -> Any:
    body = booking_body(itinerary="base-11-19", starts_at=starts.isoformat(), **overrides)
    return api.post("/api/v1/bookings/", body, format="json")


def test_without_any_guide_no_private_time_is_offered_nor_accepted(api: Any) -> None:
    _private_itinerary()
    departure = Departure.objects.get()
    body = _availability(api, departure)
    assert set(_private_times(body).values()) == {0}
    response = _request_private(api, at(20, 9), participants=12)
    assert_problem(response, 409, errors.NO_GUIDE_AVAILABLE, "starts_at")
    assert Departure.objects.count() == 1


def test_a_free_french_guide_opens_french_private_dates_only(api: Any) -> None:
    departure = _private_itinerary()
    make_guide(languages=["fr"])
    assert set(_private_times(_availability(api, departure, language="fr")).values()) == {1}
    assert set(_private_times(_availability(api, departure, language="de")).values()) == {0}
    # Without a language, any language the itinerary offers will do.
    assert set(_private_times(_availability(api, departure)).values()) == {1}
    refused = _request_private(api, at(20, 9), participants=12, language="de")
    assert_problem(refused, 409, errors.NO_GUIDE_AVAILABLE, "starts_at")
    accepted = _request_private(api, at(20, 9), participants=12, language="fr")
    assert accepted.status_code == 201, accepted.content


def test_a_language_the_itinerary_does_not_offer_is_refused(api: Any) -> None:
    departure = _private_itinerary()
    response = api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/availability/?language=xx")
    assert_problem(response, 400, "validation_error", "language")
    make_guide(languages=["nl"])
    # Dutch is a known language, but this itinerary is not offered in Dutch.
    assert set(_private_times(_availability(api, departure, language="nl")).values()) == {0}


def test_a_guide_busy_at_that_time_is_not_free(api: Any) -> None:
    departure = _private_itinerary()
    guide = make_guide(languages=["fr"])
    # The public departure runs from 10:00: with the travel buffer, 9:00-10:30 is too close.
    assign(departure, guide)
    by_day = _private_times(_availability(api, departure, language="fr"))
    busy_day = timezone.localtime(departure.starts_at).date().isoformat()
    assert by_day.pop(busy_day) == 0
    assert set(by_day.values()) == {1}
    response = _request_private(api, departure.starts_at.replace(hour=9), participants=12)
    assert_problem(response, 409, errors.NO_GUIDE_AVAILABLE, "starts_at")


def test_time_off_and_weekly_hours_are_respected(api: Any) -> None:
    departure = _private_itinerary()
    off = make_guide(languages=["fr"])
    nine = departure.starts_at.replace(hour=9)
    TimeOff.objects.create(guide=off, starts_at=nine, ends_at=nine + timedelta(hours=1))
    make_guide(languages=["fr"], weekly_hours=[(0, "10:00", "18:00")])  # never at 9:00
    by_day = _private_times(_availability(api, departure, language="fr"))
    assert by_day.pop(timezone.localtime(nine).date().isoformat()) == 0
    assert set(by_day.values()) == {1}


def test_an_inactive_guide_does_not_count(api: Any) -> None:
    departure = _private_itinerary()
    make_guide(languages=["fr"], is_active=False)
    assert set(_private_times(_availability(api, departure, language="fr")).values()) == {0}


def test_a_large_group_needs_enough_guides(api: Any) -> None:
    departure = _private_itinerary(participants_per_guide=10)
    make_guide(languages=["fr"])
    body = _availability(api, departure, language="fr", participants=15)
    assert set(_private_times(body).values()) == {0}
    refused = _request_private(api, at(20, 9), participants=15)
    assert_problem(refused, 409, errors.NO_GUIDE_AVAILABLE, "starts_at")
    # Ten people need only one guide.
    assert set(_private_times(_availability(api, departure, participants=10)).values()) == {1}
    make_guide(languages=["fr", "en"])
    body = _availability(api, departure, language="fr", participants=15)
    assert set(_private_times(body).values()) == {1}
    # One English guide only: not enough in English, and languages are not mixed in one visit.
    body = _availability(api, departure, language="en", participants=15)
    assert set(_private_times(body).values()) == {0}
    accepted = _request_private(api, at(20, 9), participants=15)
    assert accepted.status_code == 201, accepted.content


def test_availability_query_count_is_fixed_with_guides(
    api: Any, django_assert_num_queries: Any
) -> None:
    departure = _private_itinerary()
    for _ in range(3):
        guide = make_guide(languages=["fr"])
    assign(departure, guide)
    nine = departure.starts_at.replace(hour=9)
    TimeOff.objects.create(guide=guide, starts_at=nine, ends_at=nine + timedelta(hours=1))
    with django_assert_num_queries(13) as short:  # 12, and the closures
        body = _availability(api, departure, language="fr")
    assert set(_private_times(body).values()) == {1}
    with django_assert_num_queries(len(short.captured_queries)):
        body = _availability(api, departure, days=30, language="fr")
    assert len(body["days"]) == 61
