"""Walk-ins (issue 18, item 5): the guide adds, per group, the people who came without being on
its list, up to the departure's seats left, idempotent by client_id; refused beyond the seats
left with problem+json and nothing written; counted in the attendance, on the manifest (API and
PDF) and in procurement's default figures of the certificate of delivery."""

# ruff: noqa: F811  (the fixture ``visit`` is imported from test_guide_day)
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from bookings.models import Participant
from itineraries.models import Departure
from procurement.delivery import check_in_figures, default_attendance
from tests.conftest import assert_problem
from tests.procurement.test_delivery import text_of
from tests.visits.test_guide_day import _as, _post, _tick, visit  # noqa: F401
from visits import checkins
from visits.models import CheckIn

pytestmark = pytest.mark.django_db

OVER = checkins.CHECK_IN_WALK_INS_OVER_CAPACITY


def _attendance(visit: dict[str, Any]) -> dict[str, Any]:
    [manifest] = _as(visit["guide"]).get("/api/v1/guides/me/visits/").json()["visits"]
    return manifest


def test_walk_ins_are_counted_once_and_the_latest_wins(visit: dict[str, Any]) -> None:
    # Capacity 30, two groups of 3 and 12: 15 seats left.
    assert _attendance(visit)["seats_left"] == 15
    now = timezone.now()
    lea = _tick(now - timedelta(minutes=20), participant=visit["people"]["Léa"])
    two = _tick(now - timedelta(minutes=20), booking=visit["named"], walk_ins=2)
    first = _post(visit, [lea, two])
    assert first.status_code == 200, first.content
    group = first.json()["attendance"][visit["named"]]
    assert (group["walk_ins"], group["attended"]) == (2, 3)
    # Sent again from the phone's queue: once. A later correction wins, an earlier one loses.
    later = _tick(now - timedelta(minutes=10), booking=visit["named"], walk_ins=4)
    earlier = _tick(now - timedelta(minutes=30), booking=visit["named"], walk_ins=9)
    again = _post(visit, [lea, two, later, earlier])
    assert (again.json()["recorded"], again.json()["duplicates"]) == (2, 2)
    group = again.json()["attendance"][visit["named"]]
    assert (group["walk_ins"], group["attended"]) == (4, 5)
    # A group counted without names adds its walk-ins to its count.
    counted = _post(
        visit,
        [
            _tick(now - timedelta(minutes=5), booking=visit["counted"], count=12),
            _tick(now - timedelta(minutes=5), booking=visit["counted"], walk_ins=3),
        ],
    )
    assert counted.json()["attendance"][visit["counted"]]["attended"] == 15
    assert CheckIn.objects.filter(walk_ins__isnull=False).count() == 4
    assert _attendance(visit)["attendance"][visit["named"]]["walk_ins"] == 4


def test_walk_ins_beyond_the_seats_left_are_refused_and_nothing_is_written(
    visit: dict[str, Any],
) -> None:
    now = timezone.now()
    ok = _post(visit, [_tick(now, booking=visit["counted"], walk_ins=10)])
    assert ok.status_code == 200, ok.content
    before = CheckIn.objects.count()
    # 10 already with the other group, 15 seats left: 6 more is one too many.
    too_many = [
        _tick(now, participant=visit["people"]["Hugo"]),
        _tick(now, booking=visit["named"], walk_ins=6),
    ]
    refused = _post(visit, too_many)
    assert_problem(refused, 400, OVER, "check_ins.1.walk_ins")
    assert "15" in refused.json()["detail"]
    assert CheckIn.objects.count() == before
    # Five fit exactly; lowering the other group's frees seats for more.
    assert _post(visit, [_tick(now, booking=visit["named"], walk_ins=5)]).status_code == 200
    lowered = _post(
        visit,
        [
            _tick(now + timedelta(seconds=1), booking=visit["counted"], walk_ins=0),
            _tick(now + timedelta(seconds=1), booking=visit["named"], walk_ins=15),
        ],
    )
    assert lowered.status_code == 200, lowered.content
    # A capacity lowered by staff leaves less room.
    Departure.objects.filter(pk=visit["departure"].pk).update(capacity=20)
    assert _attendance(visit)["seats_left"] == 5
    assert_problem(
        _post(visit, [_tick(now + timedelta(seconds=2), booking=visit["named"], walk_ins=6)]),
        400,
        OVER,
        "check_ins.0.walk_ins",
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"walk_ins": 2},  # no group
        {"participant": 1, "walk_ins": 2},
        {"booking": "X", "count": 2, "walk_ins": 2},
        {"booking": "X", "walk_ins": -1},
    ],
)
def test_a_malformed_walk_in_tick_is_refused(visit: dict[str, Any], fields: Any) -> None:
    fields = {**fields, "booking": visit["named"]} if fields.get("booking") == "X" else fields
    answer = _post(visit, [_tick(**fields)])
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert not CheckIn.objects.exists()


def test_walk_ins_of_a_group_not_on_the_visit_are_refused(visit: dict[str, Any]) -> None:
    assert_problem(
        _post(visit, [_tick(booking="ZZZZZZ", walk_ins=1)]),
        400,
        checkins.CHECK_IN_NOT_ON_VISIT,
        "check_ins.0.booking",
    )


def test_walk_ins_appear_on_the_printed_manifest(visit: dict[str, Any]) -> None:
    _post(visit, [_tick(booking=visit["named"], walk_ins=2)])
    url = f"/api/v1/departures/{visit['departure'].pk}/manifest.pdf"
    client = _as(visit["guide"])
    french = text_of(client.get(url + "?lang=fr").content)
    assert "Sans inscription (venus sans être sur la liste) : 2" in french
    assert "2 sans inscription" in french
    # The other group has none yet: a line to write them on paper.
    assert "Sans inscription (venus sans être sur la liste) : ____" in french
    english = text_of(client.get(url + "?lang=en").content)
    assert "Walk-ins (came without being on the list): 2" in english


def test_walk_ins_count_as_adults_in_the_delivery_default_figures(visit: dict[str, Any]) -> None:
    people = visit["people"]
    _post(
        visit,
        [
            _tick(participant=people["Léa"]),
            _tick(participant=people["Mme Roux"]),
            _tick(booking=visit["named"], walk_ins=2),
        ],
    )
    booking = Participant.objects.get(pk=people["Léa"]).booking
    figures = check_in_figures(booking)
    assert figures is not None
    assert figures.as_dict()["attended"] == 4 and figures.walk_ins == 2
    given = default_attendance(figures, None)
    assert given is not None
    assert (given.pupils, given.adults, given.staff) == (1, 2, 1)
