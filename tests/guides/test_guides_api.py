"""Staff manage guides and their time off; guides read their schedule and rotate their feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from core.tokens import hash_token, token_matches
from guides import services
from guides.models import Guide, TimeOff, WeeklyAvailability
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.factories import ThemeFactory, UserFactory
from tests.guides.helpers import assign, at, departure_at, make_guide

pytestmark = pytest.mark.django_db


def _guide_body(user: Any, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "user": user.pk,
        "display_name": "Louise Dupont",
        "phone": "+33 6 12 34 56 78",
        "languages": ["fr", "nl"],
        "themes": ["energie"],
        "weekly_hours": [
            {"weekday": 0, "start_time": "09:00", "end_time": "17:00"},
            {"weekday": 2, "start_time": "13:00", "end_time": "18:30"},
        ],
    }
    body.update(overrides)
    return body


def test_staff_create_a_guide_with_weekly_hours(staff_api: APIClient) -> None:
    ThemeFactory(slug="energie")
    user = UserFactory()
    response = staff_api.post("/api/v1/guides/", _guide_body(user), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    guide = Guide.objects.get()
    assert body == {
        "id": guide.pk,
        "user": user.pk,
        "display_name": "Louise Dupont",
        "phone": "+33 6 12 34 56 78",
        "languages": ["fr", "nl"],
        "themes": ["energie"],
        "is_active": True,
        "weekly_hours": [
            {"weekday": 0, "start_time": "09:00:00", "end_time": "17:00:00"},
            {"weekday": 2, "start_time": "13:00:00", "end_time": "18:30:00"},
        ],
        "has_feed": False,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }


def test_a_user_is_a_guide_only_once(staff_api: APIClient) -> None:
    guide = make_guide()
    response = staff_api.post("/api/v1/guides/", _guide_body(guide.user, themes=[]), format="json")
    assert_problem(response, 409, services.USER_ALREADY_GUIDE, "user")
    assert Guide.objects.count() == 1


def test_inverted_weekly_hours_are_refused_and_nothing_is_written(staff_api: APIClient) -> None:
    hours = [{"weekday": 1, "start_time": "17:00", "end_time": "09:00"}]
    response = staff_api.post(
        "/api/v1/guides/",
        _guide_body(UserFactory(), themes=[], weekly_hours=hours),
        format="json",
    )
    assert_problem(response, 400, services.WEEKLY_HOURS_INVERTED, "weekly_hours.0.end_time")
    assert not Guide.objects.exists()
    assert not WeeklyAvailability.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"languages": ["xx"]}, "languages.0"),
        ({"languages": []}, "languages"),
        ({"themes": ["no-such-theme"]}, "themes"),
        ({"user": 999999}, "user"),
        ({"weekly_hours": [{"weekday": 7, "start_time": "09:00", "end_time": "10:00"}]}, None),
    ],
)
def test_malformed_guides_are_refused(
    staff_api: APIClient, overrides: dict[str, Any], field: str | None
) -> None:
    body = {**_guide_body(UserFactory(), themes=[]), **overrides}
    response = staff_api.post("/api/v1/guides/", body, format="json")
    assert_problem(response, 400, "validation_error", field)
    assert not Guide.objects.exists()


def test_the_guide_list_is_for_staff_and_costs_a_fixed_number_of_queries(
    staff_api: APIClient, api: APIClient, django_assert_num_queries: Any
) -> None:
    theme = ThemeFactory()
    for _ in range(5):
        make_guide(themes=[theme])
    # The user's and their groups' permissions, count, guides, themes, weekly hours.
    with django_assert_num_queries(6):
        response = staff_api.get("/api/v1/guides/")
    assert response.status_code == 200
    assert response.json()["count"] == 5
    assert [g["themes"] for g in response.json()["results"]] == [[theme.slug]] * 5
    assert_problem(api.get("/api/v1/guides/"), 403, "not_authenticated")


def test_staff_record_time_off(staff_api: APIClient) -> None:
    guide = make_guide()
    response = staff_api.post(
        f"/api/v1/guides/{guide.pk}/time-off/",
        {"starts_at": at(10, 0).isoformat(), "ends_at": at(12, 0).isoformat(), "reason": "Congé"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "Congé"
    assert TimeOff.objects.get().guide == guide


def test_inverted_time_off_is_refused(staff_api: APIClient) -> None:
    guide = make_guide()
    response = staff_api.post(
        f"/api/v1/guides/{guide.pk}/time-off/",
        {"starts_at": at(12, 0).isoformat(), "ends_at": at(10, 0).isoformat()},
        format="json",
    )
    assert_problem(response, 400, services.TIME_OFF_INVERTED, "ends_at")
    assert not TimeOff.objects.exists()


def test_overlapping_time_off_is_refused(staff_api: APIClient) -> None:
    guide = make_guide()
    TimeOff.objects.create(guide=guide, starts_at=at(10, 0), ends_at=at(12, 0))
    response = staff_api.post(
        f"/api/v1/guides/{guide.pk}/time-off/",
        {"starts_at": at(11, 0).isoformat(), "ends_at": at(14, 0).isoformat()},
        format="json",
    )
    assert_problem(response, 409, services.TIME_OFF_OVERLAPS, "starts_at")
    assert TimeOff.objects.count() == 1


def test_time_off_over_an_assigned_visit_is_refused(staff_api: APIClient) -> None:
    guide = make_guide()
    departure = departure_at(at(11, 10))
    assign(departure, guide)
    response = staff_api.post(
        f"/api/v1/guides/{guide.pk}/time-off/",
        {"starts_at": at(11, 0).isoformat(), "ends_at": at(12, 0).isoformat()},
        format="json",
    )
    body = assert_problem(response, 409, services.TIME_OFF_DURING_ASSIGNMENT, "starts_at")
    assert body["departure"] == departure.pk
    assert not TimeOff.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"starts_at": "tomorrow", "ends_at": "2030-01-01T10:00:00+01:00"},
        {"starts_at": "2030-01-01T10:00:00+01:00"},
        {},
    ],
)
def test_malformed_time_off_is_refused(staff_api: APIClient, body: dict[str, Any]) -> None:
    guide = make_guide()
    response = staff_api.post(f"/api/v1/guides/{guide.pk}/time-off/", body, format="json")
    assert_problem(response, 400, "validation_error")
    assert not TimeOff.objects.exists()


def test_time_off_of_an_unknown_guide_is_not_found(staff_api: APIClient) -> None:
    response = staff_api.post(
        "/api/v1/guides/999999/time-off/",
        {"starts_at": at(10, 0).isoformat(), "ends_at": at(12, 0).isoformat()},
        format="json",
    )
    assert_problem(response, 404, "not_found")


@override_settings(SITE_URL="https://visites.example.org")
def test_staff_rotate_a_guides_feed_token(staff_api: APIClient) -> None:
    guide = make_guide()
    first = staff_api.post(f"/api/v1/guides/{guide.pk}/feed-token/")
    assert first.status_code == 200, first.content
    assert first["Cache-Control"] == "no-store"
    token = _token_of(first.json())
    assert first.json() == {
        "feed_url": f"https://visites.example.org/calendar/guides/{token}.ics",
        "webcal_url": f"webcal://visites.example.org/calendar/guides/{token}.ics",
    }
    guide.refresh_from_db()
    assert guide.feed_token_hash == hash_token(token)
    assert token not in guide.feed_token_hash
    second = staff_api.post(f"/api/v1/guides/{guide.pk}/feed-token/")
    new_token = _token_of(second.json())
    guide.refresh_from_db()
    assert new_token != token
    assert token_matches(new_token, guide.feed_token_hash)
    assert not token_matches(token, guide.feed_token_hash)
    assert len(new_token) >= 43


def _token_of(body: dict[str, str]) -> str:
    return body["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")


def _as(user: Any) -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(user)
    return client


def test_a_guide_rotates_their_own_feed_token() -> None:
    guide = make_guide()
    response = _as(guide.user).post("/api/v1/guides/me/feed-token/")
    assert response.status_code == 200, response.content
    token = _token_of(response.json())
    assert response.json()["webcal_url"].startswith("webcal://")
    guide.refresh_from_db()
    assert token_matches(token, guide.feed_token_hash)


def test_the_guide_api_is_for_guides(api: APIClient) -> None:
    assert_problem(api.post("/api/v1/guides/me/feed-token/"), 403, "not_authenticated")
    stranger = _as(UserFactory())
    assert_problem(stranger.post("/api/v1/guides/me/feed-token/"), 403, "permission_denied")
    assert_problem(stranger.get("/api/v1/guides/me/schedule/"), 403, "permission_denied")
    guide = make_guide()
    as_guide = _as(guide.user)
    response = as_guide.post(f"/api/v1/guides/{guide.pk}/feed-token/")
    assert_problem(response, 403, "permission_denied")


def test_a_guide_reads_their_schedule_between_two_days() -> None:
    guide = make_guide()
    other = make_guide()
    inside = departure_at(at(5, 10), title_en="Slag heaps")
    later = departure_at(at(9, 10))
    assign(inside, guide)
    assign(later, guide)
    assign(departure_at(at(5, 14)), other)
    first = inside.starts_at.astimezone().date()
    response = _as(guide.user).get(
        "/api/v1/guides/me/schedule/",
        {"from": first.isoformat(), "to": first.isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["from"] == body["to"] == first.isoformat()
    (entry,) = body["assignments"]
    assert entry == {
        "id": entry["id"],
        "role": "lead",
        "departure": inside.pk,
        "itinerary": inside.itinerary.slug,
        "title": "Slag heaps",
        "starts_at": entry["starts_at"],
        "ends_at": entry["ends_at"],
        "language": "fr",
        "status": "scheduled",
        "meeting_point": "Base 11/19",
        "participants": 0,
        "participants_requested": 0,
        "groups": [],
    }
    assert datetime.fromisoformat(entry["starts_at"]) == inside.starts_at
    default = _as(guide.user).get("/api/v1/guides/me/schedule/").json()
    assert [a["departure"] for a in default["assignments"]] == [inside.pk, later.pk]


def test_the_schedule_counts_confirmed_participants(staff_api: APIClient) -> None:
    guide = make_guide()
    departure = bookable_departure(capacity=30, days=40)
    assign(departure, guide)
    created = book(staff_api, departure, participants=12, options=[])
    assert created.status_code == 201, created.content
    book(staff_api, departure, participants=5, options=[])  # requested, not confirmed
    reference = created.json()["reference"]
    assert staff_api.post(f"/api/v1/bookings/{reference}/confirm/").status_code == 200
    day = departure.starts_at.astimezone().date().isoformat()
    response = _as(guide.user).get("/api/v1/guides/me/schedule/", {"from": day, "to": day})
    assert [a["participants"] for a in response.json()["assignments"]] == [12]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "not-a-date"}, "from"),
        ({"from": "2030-02-10", "to": "2030-02-01"}, "to"),
        ({"from": "2030-01-01", "to": "2030-12-31"}, "to"),
        ({"from": "9999-12-31"}, "from"),
        ({"to": "0001-01-01"}, "to"),
    ],
)
def test_malformed_schedule_ranges_are_refused(query: dict[str, str], field: str) -> None:
    guide = make_guide()
    response = _as(guide.user).get("/api/v1/guides/me/schedule/", query)
    assert_problem(response, 400, "validation_error", field)
