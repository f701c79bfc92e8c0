"""Cached public reads: fresh after every write that affects them, ETags and 304s."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bookings.helpers import book, bookable_departure
from tests.conftest import empty_local_redis

pytestmark = pytest.mark.django_db


def test_a_second_catalogue_read_is_served_from_the_cache(
    api: Any, django_assert_num_queries: Any
) -> None:
    bookable_departure()
    first = api.get("/api/v1/itineraries/")
    with django_assert_num_queries(0):
        second = api.get("/api/v1/itineraries/")
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]


def test_if_none_match_gets_a_304(api: Any) -> None:
    bookable_departure()
    etag = api.get("/api/v1/itineraries/base-11-19/")["ETag"]
    again = api.get("/api/v1/itineraries/base-11-19/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""


def test_seats_left_are_never_stale_after_a_booking(api: Any) -> None:
    departure = bookable_departure(capacity=20)
    url = "/api/v1/departures/?itinerary=base-11-19"
    assert api.get(url).json()["results"][0]["seats_left"] == 20
    book(api, departure, participants=7)
    assert api.get(url).json()["results"][0]["seats_left"] == 13
    start = departure.starts_at.date().isoformat()
    availability = f"/api/v1/itineraries/base-11-19/availability/?from={start}&to={start}"
    seats = api.get(availability).json()["days"][0]["departures"][0]["seats_left"]
    assert seats == 13
    book(api, departure, participants=3)
    assert api.get(availability).json()["days"][0]["departures"][0]["seats_left"] == 10


def test_a_catalogue_change_shows_at_once(api: Any, staff_api: Any) -> None:
    bookable_departure()
    assert api.get("/api/v1/itineraries/base-11-19/").json()["price_per_person_cents"] == 1500
    staff_api.patch("/api/v1/itineraries/base-11-19/", {"price_per_person_cents": 1700})
    assert api.get("/api/v1/itineraries/base-11-19/").json()["price_per_person_cents"] == 1700


def test_languages_are_cached_apart(api: Any) -> None:
    bookable_departure()
    french = api.get("/api/v1/itineraries/base-11-19/").json()["summary"]
    english = api.get("/api/v1/itineraries/base-11-19/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["summary"] != french


def test_staff_reads_are_never_cached(staff_api: Any, api: Any) -> None:
    bookable_departure(is_published=False)
    assert api.get("/api/v1/itineraries/").json()["count"] == 0
    assert staff_api.get("/api/v1/itineraries/").json()["count"] == 1
    assert "ETag" not in staff_api.get("/api/v1/itineraries/")


@pytest.fixture
def redis_cache() -> Any:
    """The production cache backend on the local Redis (a database of its own, emptied)."""
    from core.cache_backend import ResilientRedisCache

    location = "redis://127.0.0.1:6379/9"
    empty_local_redis(location)
    yield ResilientRedisCache(location, {})
    empty_local_redis(location)


def test_redis_incr_counts_a_present_key_and_refuses_a_missing_one(redis_cache: Any) -> None:
    with pytest.raises(ValueError, match="not found"):
        redis_cache.incr("cache-version:x")
    assert redis_cache.get("cache-version:x") is None  # the refusal created nothing
    redis_cache.set("cache-version:x", 5, timeout=None)
    assert redis_cache.incr("cache-version:x") == 6
    assert redis_cache.incr("cache-version:x", 10) == 16
    assert redis_cache.get("cache-version:x") == 16


def test_a_booking_bumps_the_availability_version_on_redis(
    api: Any, redis_cache: Any, settings: Any
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache_backend.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/9",
        }
    }
    from core.cache import namespace_version

    departure = bookable_departure(capacity=20)
    before = namespace_version("availability")
    book(api, departure, participants=2)
    assert namespace_version("availability") > before


def test_redis_operations_share_one_client_per_pool(redis_cache: Any) -> None:
    first = redis_cache._cache.get_client("a", write=True)
    assert redis_cache._cache.get_client("b") is first  # one server: reads use the same pool
    redis_cache.set("k", 1, timeout=None)
    assert redis_cache.get("k") == 1 and redis_cache.get_many(["k"]) == {"k": 1}
