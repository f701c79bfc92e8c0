"""Staff assign guides to departures over HTTP; every refusal is a problem+json answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from guides import services
from guides.models import Assignment, TimeOff
from tests.conftest import assert_problem
from tests.guides.helpers import assign, assign_over_http, at, departure_at, make_guide

pytestmark = pytest.mark.django_db


def test_staff_assign_a_free_guide_with_the_travel_buffer_around_the_visit(
    staff_api: APIClient,
) -> None:
    departure = departure_at(at(20, 10))
    guide = make_guide(display_name="Louise Dupont")
    response = assign_over_http(staff_api, departure, guide, role="assistant")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["guide"] == {
        "id": guide.pk,
        "display_name": "Louise Dupont",
        "languages": guide.languages,
    }
    assert body["departure"] == departure.pk
    assert body["role"] == "assistant"
    assignment = Assignment.objects.get()
    assert assignment.starts_at == departure.starts_at - timedelta(minutes=30)
    assert assignment.ends_at == departure.ends_at + timedelta(minutes=30)
    assert assignment.created_by is not None


@override_settings(GUIDE_TRAVEL_BUFFER_MINUTES=45)
def test_the_travel_buffer_is_a_setting(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    assert assign_over_http(staff_api, departure, make_guide()).status_code == 201
    assignment = Assignment.objects.get()
    assert assignment.starts_at == departure.starts_at - timedelta(minutes=45)


def test_a_cancelled_departure_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    cancelled = staff_api.post(f"/api/v1/departures/{departure.pk}/cancel/", {}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    response = assign_over_http(staff_api, departure, make_guide(is_active=False))
    assert_problem(response, 409, services.DEPARTURE_CANCELLED, "departure")
    assert not Assignment.objects.exists()


def test_an_inactive_guide_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10), language="en")
    guide = make_guide(is_active=False, languages=["fr"])
    response = assign_over_http(staff_api, departure, guide)
    assert_problem(response, 409, services.GUIDE_INACTIVE, "guide")
    assert not Assignment.objects.exists()


def test_a_guide_who_does_not_speak_the_language_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10), language="nl")
    guide = make_guide(languages=["fr", "en"], display_name="Marc Lefebvre")
    response = assign_over_http(staff_api, departure, guide)
    body = assert_problem(response, 400, services.LANGUAGE_NOT_SPOKEN, "guide")
    assert "Marc Lefebvre" in body["detail"]
    assert not Assignment.objects.exists()


def test_a_visit_outside_the_guides_weekly_hours_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))  # 10:00-11:30
    afternoons = [(weekday, "13:00", "18:00") for weekday in range(7)]
    guide = make_guide(weekly_hours=afternoons)
    response = assign_over_http(staff_api, departure, guide)
    body = assert_problem(response, 409, services.OUTSIDE_WEEKLY_HOURS, "guide")
    assert body["guide"] == guide.pk
    assert not Assignment.objects.exists()


def test_a_visit_ending_after_the_weekly_hours_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 16))  # 16:00-17:30
    guide = make_guide(weekly_hours=[(weekday, "08:00", "17:00") for weekday in range(7)])
    response = assign_over_http(staff_api, departure, guide)
    assert_problem(response, 409, services.OUTSIDE_WEEKLY_HOURS, "guide")


def test_weekly_hours_on_another_weekday_do_not_count(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    other_days = [d for d in range(7) if d != departure.starts_at.astimezone().weekday()]
    guide = make_guide(weekly_hours=[(d, "08:00", "19:00") for d in other_days])
    response = assign_over_http(staff_api, departure, guide)
    assert_problem(response, 409, services.OUTSIDE_WEEKLY_HOURS, "guide")


def test_a_guide_on_time_off_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    guide = make_guide()
    TimeOff.objects.create(guide=guide, starts_at=at(20, 11), ends_at=at(21, 0))
    response = assign_over_http(staff_api, departure, guide)
    assert_problem(response, 409, services.GUIDE_ON_TIME_OFF, "guide")
    assert not Assignment.objects.exists()


def test_a_guide_cannot_be_in_two_places_counting_the_travel_buffer(
    staff_api: APIClient,
) -> None:
    guide = make_guide(display_name="Louise Dupont")
    morning = departure_at(at(20, 10), title_en="Base 11/19")  # 10:00-11:30, busy 9:30-12:00
    assign(morning, guide)
    noon = departure_at(at(20, 12))  # 12:00-13:30, busy 11:30-14:00: overlaps
    response = assign_over_http(staff_api, noon, guide)
    body = assert_problem(response, 409, services.GUIDE_DOUBLE_BOOKED, "guide")
    assert body["departure"] == morning.pk
    assert "Louise Dupont" in body["detail"]
    assert Assignment.objects.filter(guide=guide).count() == 1


def test_buffers_that_only_touch_do_not_overlap(staff_api: APIClient) -> None:
    guide = make_guide()
    assign(departure_at(at(20, 10)), guide)  # busy 9:30-12:00
    later = departure_at(at(20, 12, 30))  # busy 12:00-14:30
    response = assign_over_http(staff_api, later, guide)
    assert response.status_code == 201, response.content


def test_the_same_guide_twice_on_one_departure_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    guide = make_guide()
    assign(departure, guide)
    response = assign_over_http(staff_api, departure, guide, role="assistant")
    assert_problem(response, 409, services.GUIDE_ALREADY_ASSIGNED, "guide")


def test_the_checks_run_in_the_documented_order(staff_api: APIClient) -> None:
    """Inactive, wrong language, off hours and on time off at once: inactive is reported."""
    departure = departure_at(at(20, 10), language="de")
    guide = make_guide(is_active=False, languages=["fr"], weekly_hours=[])
    TimeOff.objects.create(guide=guide, starts_at=at(19, 0), ends_at=at(22, 0))
    assert_problem(assign_over_http(staff_api, departure, guide), 409, services.GUIDE_INACTIVE)
    guide.is_active = True
    guide.save()
    response = assign_over_http(staff_api, departure, guide)
    assert_problem(response, 400, services.LANGUAGE_NOT_SPOKEN)
    guide.languages = ["de"]
    guide.save()
    response = assign_over_http(staff_api, departure, guide)
    assert_problem(response, 409, services.OUTSIDE_WEEKLY_HOURS)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"guide": 999999, "role": "lead"}, "guide"),
        ({"guide": "x", "role": "lead"}, "guide"),
        ({"role": "lead"}, "guide"),
        ({"guide": None, "role": "driver"}, "role"),
    ],
)
def test_malformed_assignment_requests_are_refused(
    staff_api: APIClient, body: dict[str, Any], field: str
) -> None:
    departure = departure_at(at(20, 10))
    response = staff_api.post(
        f"/api/v1/departures/{departure.pk}/assignments/", body, format="json"
    )
    assert_problem(response, 400, "validation_error", field)
    assert not Assignment.objects.exists()


def test_an_unknown_departure_is_not_found(staff_api: APIClient) -> None:
    response = assign_over_http(staff_api, departure_at(at(20, 10)), make_guide())
    assert response.status_code == 201
    response = staff_api.post(
        "/api/v1/departures/999999/assignments/", {"guide": 1, "role": "lead"}, format="json"
    )
    assert_problem(response, 404, "not_found")


def test_only_staff_assign_guides(api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    guide = make_guide()
    response = assign_over_http(api, departure, guide)
    assert_problem(response, 403, "not_authenticated")
    api.force_authenticate(guide.user)
    response = assign_over_http(api, departure, guide)
    assert_problem(response, 403, "permission_denied")
    assert not Assignment.objects.exists()


def test_release_frees_the_guide_for_an_overlapping_departure(staff_api: APIClient) -> None:
    guide = make_guide()
    morning = departure_at(at(20, 10))
    assign(morning, guide)
    url = f"/api/v1/departures/{morning.pk}/assignments/"
    response = staff_api.delete(url, {"guide": guide.pk}, format="json")
    assert response.status_code == 204, response.content
    assert not Assignment.objects.exists()
    again = staff_api.delete(url, {"guide": guide.pk}, format="json")
    assert_problem(again, 404, services.ASSIGNMENT_NOT_FOUND, "guide")
    overlapping = departure_at(at(20, 11))
    assert assign_over_http(staff_api, overlapping, guide).status_code == 201


def test_release_of_an_unknown_guide_is_refused(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    response = staff_api.delete(
        f"/api/v1/departures/{departure.pk}/assignments/", {"guide": 424242}, format="json"
    )
    assert_problem(response, 400, "validation_error", "guide")


def test_a_departure_has_one_lead_guide(staff_api: APIClient) -> None:
    departure = departure_at(at(20, 10))
    assign(departure, make_guide())
    second = make_guide()
    response = assign_over_http(staff_api, departure, second, role="lead")
    assert_problem(response, 409, services.DEPARTURE_HAS_LEAD, "role")
    assert assign_over_http(staff_api, departure, second, role="assistant").status_code == 201


def test_the_database_refuses_a_second_lead_guide() -> None:
    from django.db import IntegrityError, transaction

    departure = departure_at(at(20, 10))
    first = assign(departure, make_guide())
    other = assign(departure, make_guide(), role="assistant")
    other.role = "lead"
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save(update_fields=["role"])
    assert first.role == "lead"
