"""Guide suggestions for a departure, and how many guides it needs."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from guides.models import TimeOff
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import ThemeFactory
from tests.guides.helpers import assign, at, departure_at, make_guide

pytestmark = pytest.mark.django_db


def _suggest(client: APIClient, departure: Any) -> Any:
    return client.get(f"/api/v1/departures/{departure.pk}/guide-suggestions/")


def test_suggestions_rank_free_guides_by_shared_themes_then_load_then_name(
    staff_api: APIClient,
) -> None:
    energy, food, culture = ThemeFactory(), ThemeFactory(), ThemeFactory()
    departure = departure_at(at(30, 10), language="nl", themes=[energy, food])
    busy_same_day = departure_at(at(30, 15), language="nl")

    both_loaded = make_guide(display_name="Anna", languages=["nl"], themes=[energy, food])
    assign(busy_same_day, both_loaded)  # one assignment that month, not overlapping
    both_free = make_guide(display_name="Zoé", languages=["nl", "fr"], themes=[energy, food])
    one_theme = make_guide(display_name="Bruno", languages=["nl"], themes=[food, culture])
    no_theme_b = make_guide(display_name="Wim", languages=["nl"])
    no_theme_a = make_guide(display_name="Carla", languages=["nl"], themes=[culture])

    overlapping = make_guide(display_name="Busy", languages=["nl"], themes=[energy, food])
    assign(departure_at(at(30, 11), language="nl"), overlapping)
    on_leave = make_guide(display_name="Leave", languages=["nl"], themes=[energy, food])
    TimeOff.objects.create(guide=on_leave, starts_at=at(30, 0), ends_at=at(31, 0))
    make_guide(display_name="Inactive", languages=["nl"], themes=[energy], is_active=False)
    make_guide(display_name="French only", languages=["fr"], themes=[energy, food])
    make_guide(display_name="Evenings", languages=["nl"], weekly_hours=[(0, "18:00", "22:00")])
    already = make_guide(display_name="Already", languages=["nl"], themes=[energy, food])
    assign(departure, already)

    response = _suggest(staff_api, departure)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["departure"] == departure.pk
    assert body["guides_needed"] == 1
    assert body["guides_assigned"] == 1
    ranked = [
        (s["guide"]["display_name"], s["shared_themes"], s["assignments_this_month"])
        for s in body["suggestions"]
    ]
    assert ranked == [
        ("Zoé", 2, 0),
        ("Anna", 2, 1),
        ("Bruno", 1, 0),
        ("Carla", 0, 0),
        ("Wim", 0, 0),
    ]
    assert body["suggestions"][0]["guide"] == {
        "id": both_free.pk,
        "display_name": "Zoé",
        "languages": ["nl", "fr"],
    }
    del one_theme, no_theme_a, no_theme_b


def test_suggestions_cost_a_fixed_number_of_queries(
    staff_api: APIClient, django_assert_num_queries: Any
) -> None:
    theme = ThemeFactory()
    departure = departure_at(at(30, 10), themes=[theme])
    for index in range(6):
        guide = make_guide(themes=[theme])
        assign(departure_at(at(30 + index + 1, 10)), guide)
    # The user's and their groups' permissions, departure, itinerary themes, guides, weekly
    # hours, time off, assignments, seats, count.
    with django_assert_num_queries(10):
        response = _suggest(staff_api, departure)
    assert len(response.json()["suggestions"]) == 6


def test_a_departure_needs_one_guide_per_participants_per_guide(staff_api: APIClient) -> None:
    departure = bookable_departure(capacity=30, participants_per_guide=10)
    assert _suggest(staff_api, departure).json()["guides_needed"] == 1
    assert book(staff_api, departure, participants=18).status_code == 201
    assert _suggest(staff_api, departure).json()["guides_needed"] == 2
    assert book(staff_api, departure, participants=3).status_code == 201
    assert _suggest(staff_api, departure).json()["guides_needed"] == 3


def test_suggestions_are_for_staff_and_known_departures(
    api: APIClient, staff_api: APIClient
) -> None:
    departure = departure_at(at(30, 10))
    assert_problem(_suggest(api, departure), 403, "not_authenticated")
    response = staff_api.get("/api/v1/departures/999999/guide-suggestions/")
    assert_problem(response, 404, "not_found")


def test_staff_list_the_departures_that_lack_guides(
    staff_api: APIClient, django_assert_num_queries: Any
) -> None:
    busy = bookable_departure(capacity=30, days=10, participants_per_guide=10)
    assert book(staff_api, busy, participants=25, options=[]).status_code == 201  # needs 3
    assign(busy, make_guide())
    covered = departure_at(at(11, 10))
    assign(covered, make_guide())
    bare = departure_at(at(12, 10), title_en="Solar roofs")
    departure_at(at(40, 10))  # beyond the four weeks shown by default
    cancelled = departure_at(at(13, 10))
    staff_api.post(f"/api/v1/departures/{cancelled.pk}/cancel/", {}, format="json")
    with django_assert_num_queries(1):
        response = staff_api.get("/api/v1/departures/lacking-guides/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    rows = response.json()
    keys = ("departure", "guides_needed", "guides_assigned", "missing")
    counts = [tuple(r[k] for k in keys) for r in rows]
    assert counts == [(busy.pk, 3, 1, 2), (bare.pk, 1, 0, 1)]
    assert rows[1]["title"] == "Solar roofs"
    later = staff_api.get(
        "/api/v1/departures/lacking-guides/",
        {"from": at(35, 0).date().isoformat(), "to": at(45, 0).date().isoformat()},
    )
    assert len(later.json()) == 1


def test_the_lacking_guides_list_is_for_staff(api: APIClient, staff_api: APIClient) -> None:
    assert_problem(api.get("/api/v1/departures/lacking-guides/"), 403, "not_authenticated")
    for far in ("2030-13-01", "9999-12-31", "0001-01-01"):
        response = staff_api.get("/api/v1/departures/lacking-guides/", {"from": far})
        assert_problem(response, 400, "validation_error", "from")
