"""The guides admin answers, and writes time off and assignments through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from guides.models import Assignment, TimeOff
from tests.factories import UserFactory
from tests.guides.helpers import assign, at, departure_at, make_guide

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged() -> Client:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/guides/guide/",
        "/admin/guides/timeoff/",
        "/admin/guides/assignment/",
        "/admin/guides/assignment/add/",
        "/admin/itineraries/departure/",
    ],
)
def test_admin_pages_answer(admin_client_logged: Client, path: str) -> None:
    assign(departure_at(at(20, 10)), make_guide())
    assert admin_client_logged.get(path).status_code == 200


def test_the_guide_page_shows_hours_time_off_and_visits(admin_client_logged: Client) -> None:
    guide = make_guide()
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    guide.feed_token_hash = "f" * 64
    guide.save()
    page = admin_client_logged.get(f"/admin/guides/guide/{guide.pk}/change/")
    assert page.status_code == 200
    assert b"f" * 64 not in page.content
    departure_page = admin_client_logged.get(f"/admin/itineraries/departure/{departure.pk}/change/")
    assert departure_page.status_code == 200
    assert guide.display_name.encode() in departure_page.content


def test_the_departure_list_shows_guides_assigned_and_needed(admin_client_logged: Client) -> None:
    assign(departure_at(at(20, 10)), make_guide())
    departure_at(at(21, 10))
    page = admin_client_logged.get("/admin/itineraries/departure/")
    assert b"1 / 1" in page.content
    assert b"0 / 1" in page.content


def test_admin_assignment_goes_through_the_service(admin_client_logged: Client) -> None:
    guide = make_guide()
    morning = departure_at(at(20, 10))
    assign(morning, guide)
    noon = departure_at(at(20, 11))
    refused = admin_client_logged.post(
        "/admin/guides/assignment/add/",
        {"departure": noon.pk, "guide": guide.pk, "role": "lead"},
        follow=True,
    )
    assert refused.status_code == 200
    assert b"too close" in refused.content or b"trop" in refused.content
    assert Assignment.objects.count() == 1
    later = departure_at(at(20, 15))
    created = admin_client_logged.post(
        "/admin/guides/assignment/add/",
        {"departure": later.pk, "guide": guide.pk, "role": "assistant"},
    )
    assert created.status_code == 302
    assignment = Assignment.objects.get(departure=later)
    assert assignment.starts_at == later.starts_at - timedelta(minutes=30)
    assert assignment.created_by is not None


def test_admin_release_goes_through_the_service(admin_client_logged: Client) -> None:
    guide = make_guide()
    assignment = assign(departure_at(at(20, 10)), guide)
    response = admin_client_logged.post(
        f"/admin/guides/assignment/{assignment.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Assignment.objects.exists()


def test_admin_time_off_goes_through_the_service(admin_client_logged: Client) -> None:
    guide = make_guide()
    assign(departure_at(at(20, 10)), guide)
    day = at(20, 0)
    refused = admin_client_logged.post(
        "/admin/guides/timeoff/add/",
        {
            "guide": guide.pk,
            "starts_at_0": day.date().isoformat(),
            "starts_at_1": "00:00",
            "ends_at_0": day.date().isoformat(),
            "ends_at_1": "23:00",
            "reason": "",
        },
        follow=True,
    )
    assert refused.status_code == 200
    assert not TimeOff.objects.exists()
    created = admin_client_logged.post(
        "/admin/guides/timeoff/add/",
        {
            "guide": guide.pk,
            "starts_at_0": at(25, 0).date().isoformat(),
            "starts_at_1": "00:00",
            "ends_at_0": at(26, 0).date().isoformat(),
            "ends_at_1": "00:00",
            "reason": "Congé",
        },
    )
    assert created.status_code == 302, created.content
    assert TimeOff.objects.get().reason == "Congé"
