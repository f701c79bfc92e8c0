"""A guide is told by e-mail, after commit, when assigned, when the visit moves, when released."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.guides.helpers import assign, assign_over_http, at, departure_at, make_guide

pytestmark = pytest.mark.django_db


def test_a_guide_is_told_when_assigned(staff_api: APIClient, mailoutbox: list[Any]) -> None:
    guide = make_guide(display_name="Louise Dupont")
    departure = departure_at(at(20, 10), title_fr="Base 11/19 et terrils")
    assert assign_over_http(staff_api, departure, guide).status_code == 201
    (message,) = mailoutbox
    assert message.to == [guide.user.email]
    assert message.subject.startswith("Nouvelle visite : Base 11/19 et terrils")
    assert "Bonjour Louise Dupont" in message.body
    assert "guide principal" in message.body.lower() or "lead" in message.body.lower()


def test_a_guide_who_does_not_speak_french_is_told_in_english(
    staff_api: APIClient, mailoutbox: list[Any]
) -> None:
    guide = make_guide(languages=["en", "nl"])
    departure = departure_at(at(20, 10), language="nl", title_en="Slag heaps")
    assert assign_over_http(staff_api, departure, guide).status_code == 201
    (message,) = mailoutbox
    assert message.subject.startswith("New visit: Slag heaps")


def test_a_refused_assignment_sends_nothing(staff_api: APIClient, mailoutbox: list[Any]) -> None:
    guide = make_guide(is_active=False)
    assert assign_over_http(staff_api, departure_at(at(20, 10)), guide).status_code == 409
    assert mailoutbox == []


def test_a_guide_is_told_when_the_visit_moves_and_when_released(
    staff_api: APIClient, mailoutbox: list[Any]
) -> None:
    guide = make_guide()
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    moved = staff_api.patch(
        f"/api/v1/departures/{departure.pk}/", {"starts_at": at(21, 14).isoformat()}, format="json"
    )
    assert moved.status_code == 200, moved.content
    (changed,) = mailoutbox
    assert changed.subject.startswith("Visite modifiée")
    assert "14:00" in changed.body
    released = staff_api.delete(
        f"/api/v1/departures/{departure.pk}/assignments/", {"guide": guide.pk}, format="json"
    )
    assert released.status_code == 204
    assert [m.subject.split(" :")[0] for m in mailoutbox] == ["Visite modifiée", "Visite retirée"]


def test_a_refused_move_sends_nothing(staff_api: APIClient, mailoutbox: list[Any]) -> None:
    guide = make_guide(weekly_hours=[(weekday, "08:00", "12:00") for weekday in range(7)])
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    moved = staff_api.patch(
        f"/api/v1/departures/{departure.pk}/", {"starts_at": at(20, 15).isoformat()}, format="json"
    )
    assert moved.status_code == 409
    assert mailoutbox == []
