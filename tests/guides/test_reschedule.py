"""Moving a departure re-checks its guides; their assignments follow the move."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rest_framework.test import APIClient

from guides import services
from guides.models import Assignment, TimeOff
from itineraries.models import Departure
from tests.conftest import assert_problem
from tests.guides.helpers import assign, at, departure_at, make_guide

pytestmark = pytest.mark.django_db


def _move(client: APIClient, departure: Departure, starts_at: datetime) -> object:
    return client.patch(
        f"/api/v1/departures/{departure.pk}/",
        {"starts_at": starts_at.isoformat()},
        format="json",
    )


def test_a_move_to_a_free_time_moves_the_assignments(staff_api: APIClient) -> None:
    guide = make_guide()
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    response = _move(staff_api, departure, at(21, 14))
    assert response.status_code == 200, response.content
    assignment = Assignment.objects.get()
    assert assignment.starts_at == at(21, 14) - timedelta(minutes=30)
    assert assignment.ends_at == at(21, 15, 30) + timedelta(minutes=30)


def test_a_move_onto_another_visit_of_a_guide_is_refused(staff_api: APIClient) -> None:
    guide = make_guide(display_name="Louise Dupont")
    afternoon = departure_at(at(20, 14))
    assign(afternoon, guide)
    morning = departure_at(at(20, 10))
    assign(morning, guide)
    response = _move(staff_api, morning, at(20, 13))
    body = assert_problem(response, 409, services.GUIDE_DOUBLE_BOOKED, "guide")
    assert body["guide"] == guide.pk
    assert body["departure"] == afternoon.pk
    assert "Louise Dupont" in body["detail"]
    morning.refresh_from_db()
    assert morning.starts_at == at(20, 10)
    assert Assignment.objects.get(departure=morning).starts_at == at(20, 9, 30)


def test_a_move_outside_a_guides_weekly_hours_is_refused(staff_api: APIClient) -> None:
    guide = make_guide(weekly_hours=[(weekday, "08:00", "12:00") for weekday in range(7)])
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    response = _move(staff_api, departure, at(20, 15))
    assert_problem(response, 409, services.OUTSIDE_WEEKLY_HOURS, "guide")
    departure.refresh_from_db()
    assert departure.starts_at == at(20, 10)


def test_a_move_into_a_guides_time_off_is_refused(staff_api: APIClient) -> None:
    guide = make_guide()
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    TimeOff.objects.create(guide=guide, starts_at=at(22, 0), ends_at=at(23, 0))
    response = _move(staff_api, departure, at(22, 10))
    assert_problem(response, 409, services.GUIDE_ON_TIME_OFF, "guide")


def test_a_change_of_capacity_only_does_not_touch_the_guides(staff_api: APIClient) -> None:
    guide = make_guide(weekly_hours=[])  # no longer works at all, but stays on the visit
    departure = departure_at(at(20, 10))
    Assignment.objects.create(
        guide=guide,
        departure=departure,
        role="lead",
        starts_at=departure.starts_at - timedelta(minutes=30),
        ends_at=departure.ends_at + timedelta(minutes=30),
    )
    response = staff_api.patch(
        f"/api/v1/departures/{departure.pk}/", {"capacity": 12}, format="json"
    )
    assert response.status_code == 200, response.content


def test_a_refused_move_for_another_reason_keeps_the_assignments(staff_api: APIClient) -> None:
    """The site capacity check runs after the guides moved: its refusal rolls them back."""
    guide = make_guide()
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    site = departure.itinerary.stops.get().site
    other = departure_at(at(21, 10))
    other.itinerary.stops.update(site=site)
    site.max_visitors = departure.capacity
    site.save()
    response = _move(staff_api, departure, at(21, 10))
    assert_problem(response, 409, "site_capacity_exceeded")
    assert Assignment.objects.get().starts_at == at(20, 9, 30)
