"""Scheduling departures over HTTP: the site occupancy invariant and its refusals."""

from __future__ import annotations

from typing import Any

import pytest

from itineraries.models import Departure, DepartureStatus
from itineraries.services import (
    LANGUAGE_NOT_OFFERED,
    SITE_CAPACITY_EXCEEDED,
    SITE_NOT_BOOKABLE,
    STARTS_IN_PAST,
)
from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, SiteFactory, in_days, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def heap() -> Any:
    return SiteFactory(slug="terril-74a", name_fr="Terril 74A", max_visitors=40)


@pytest.fixture
def climb(heap: Any) -> Any:
    """A 3-hour itinerary whose second stop climbs the heap from 1 h to 2 h 30."""
    return ItineraryFactory(
        slug="climb",
        max_participants=30,
        stops=[
            {"offset_minutes": 0, "duration_minutes": 60},
            {"offset_minutes": 60, "duration_minutes": 90, "site": heap},
        ],
    )


def _post(client: Any, **data: Any) -> Any:
    payload = {"itinerary": "climb", "language": "fr", **data}
    if "starts_at" in payload and not isinstance(payload["starts_at"], str):
        payload["starts_at"] = payload["starts_at"].isoformat()
    return client.post("/api/v1/departures/", payload, format="json")


def test_staff_schedule_a_departure_that_fits(staff_api: Any, climb: Any) -> None:
    response = _post(staff_api, starts_at=in_days(10), capacity=25)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["itinerary"] == "climb"
    assert body["capacity"] == 25
    assert body["status"] == "scheduled"
    departure = Departure.objects.get(pk=body["id"])
    assert (departure.ends_at - departure.starts_at).total_seconds() == 150 * 60


def test_overlapping_departure_that_overfills_a_site_is_refused(staff_api: Any, climb: Any) -> None:
    schedule(climb, days=10, hour=10, capacity=30)
    # Starts 30 minutes later: both groups are on the heap from 11:30 to 12:30 (30 + 20 > 40).
    starts = in_days(10, 10).replace(minute=30)
    response = _post(staff_api, starts_at=starts, capacity=20)
    body = assert_problem(response, 409, SITE_CAPACITY_EXCEEDED, "starts_at")
    assert body["site"] == "terril-74a"
    assert "Terril 74A" in body["detail"]
    assert Departure.objects.count() == 1


def test_overlapping_departure_that_fits_the_site_is_accepted(staff_api: Any, climb: Any) -> None:
    schedule(climb, days=10, hour=10, capacity=30)
    starts = in_days(10, 10).replace(minute=30)
    assert _post(staff_api, starts_at=starts, capacity=10).status_code == 201


def test_back_to_back_departures_do_not_overlap(staff_api: Any, climb: Any) -> None:
    schedule(climb, days=10, hour=10, capacity=30)
    # The first group leaves the heap at 12:30; the second arrives at 12:30.
    starts = in_days(10, 11).replace(minute=30)
    assert _post(staff_api, starts_at=starts, capacity=30).status_code == 201


def test_cancelled_departures_free_their_sites(staff_api: Any, climb: Any) -> None:
    first = schedule(climb, days=10, hour=10, capacity=30)
    Departure.objects.filter(pk=first.pk).update(status=DepartureStatus.CANCELLED)
    assert _post(staff_api, starts_at=in_days(10, 10), capacity=30).status_code == 201


def test_rescheduling_rechecks_the_sites(staff_api: Any, climb: Any) -> None:
    schedule(climb, days=10, hour=10, capacity=30)
    other = schedule(climb, days=10, hour=14, capacity=30)
    response = staff_api.patch(
        f"/api/v1/departures/{other.pk}/", {"starts_at": in_days(10, 10).isoformat()}, format="json"
    )
    assert_problem(response, 409, SITE_CAPACITY_EXCEEDED, "starts_at")
    other.refresh_from_db()
    assert other.starts_at == in_days(10, 14)
    moved = staff_api.patch(
        f"/api/v1/departures/{other.pk}/", {"starts_at": in_days(11, 10).isoformat()}, format="json"
    )
    assert moved.status_code == 200, moved.content
    other.refresh_from_db()
    assert other.sequence == 1


def test_a_closed_site_cannot_be_visited(staff_api: Any) -> None:
    closed = SiteFactory(slug="terril-74", is_bookable=False)
    ItineraryFactory(slug="climb", is_published=False, stops=[{"site": closed}])
    assert_problem(_post(staff_api, starts_at=in_days(5)), 400, SITE_NOT_BOOKABLE, "stops")


def test_language_must_be_offered(staff_api: Any, climb: Any) -> None:
    response = _post(staff_api, starts_at=in_days(5), language="de")
    assert_problem(response, 400, LANGUAGE_NOT_OFFERED, "language")


def test_past_departure_is_refused(staff_api: Any, climb: Any) -> None:
    assert_problem(_post(staff_api, starts_at=in_days(-1)), 400, STARTS_IN_PAST, "starts_at")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": "2027-02-30T10:00:00+01:00"}, "starts_at"),
        ({"capacity": -3}, "capacity"),
        ({"capacity": 100000}, "capacity"),
        ({"capacity": "many"}, "capacity"),
        ({"itinerary": "nowhere"}, "itinerary"),
        ({"language": "xx"}, "language"),
        ({"kind": "secret"}, "kind"),
    ],
)
def test_bad_scheduling_input_is_400(staff_api: Any, climb: Any, payload: Any, field: str) -> None:
    data = {"starts_at": in_days(5).isoformat(), **payload}
    assert_problem(_post(staff_api, **data), 400, "validation_error", field)
    assert Departure.objects.count() == 0


def test_missing_fields_are_listed(staff_api: Any) -> None:
    body = assert_problem(
        staff_api.post("/api/v1/departures/", {}, format="json"), 400, "validation_error"
    )
    assert {row["field"] for row in body["errors"]} == {"itinerary", "starts_at", "language"}
    assert {row["code"] for row in body["errors"]} == {"required"}


def test_only_staff_schedule(api: Any, climb: Any) -> None:
    assert_problem(_post(api, starts_at=in_days(5)), 403, "not_authenticated")


def test_public_list_shows_future_public_scheduled_departures(api: Any, climb: Any) -> None:
    shown = schedule(climb, days=3, capacity=10)
    schedule(climb, days=4, capacity=10, kind="private")
    cancelled = schedule(climb, days=5, capacity=10)
    Departure.objects.filter(pk=cancelled.pk).update(status=DepartureStatus.CANCELLED)
    ItineraryFactory(slug="draft", is_published=False)
    body = api.get("/api/v1/departures/?itinerary=climb").json()
    assert [row["id"] for row in body["results"]] == [shown.pk]


def test_departures_filter_by_dates(api: Any, climb: Any) -> None:
    early = schedule(climb, days=3, capacity=10)
    schedule(climb, days=20, capacity=10)
    query = f"from={in_days(2).date().isoformat()}&to={in_days(10).date().isoformat()}"
    body = api.get(f"/api/v1/departures/?{query}").json()
    assert [row["id"] for row in body["results"]] == [early.pk]
    assert_problem(api.get("/api/v1/departures/?from=yesterday"), 400, "validation_error", "from")


def test_departure_list_query_count_is_fixed(
    api: Any, climb: Any, django_assert_num_queries: Any
) -> None:
    for day in range(2, 12):
        schedule(climb, days=day, capacity=5)
    with django_assert_num_queries(2):
        assert api.get("/api/v1/departures/").json()["count"] == 10
