"""The guide's day (issue 18, item 5, API): the manifest of the guide's own visits with names,
needs and phones, and the check-in of who came, idempotent by client_id, the latest tick
winning, all or nothing; other groups' people, other guides' visits, ticks outside the visit
and late or replayed-with-changes ticks refused with problem+json."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Participant
from guides.models import Guide
from itineraries.models import Departure
from itineraries.services import departure_cancel
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.guides.helpers import assign, make_guide
from visits import checkins
from visits.models import CheckIn

pytestmark = pytest.mark.django_db

NOT_ON_VISIT = checkins.CHECK_IN_NOT_ON_VISIT
OVER_GROUP = checkins.CHECK_IN_COUNT_OVER_GROUP
OUT_OF_WINDOW = checkins.CHECK_IN_OUT_OF_WINDOW


def _as(guide: Guide) -> APIClient:
    client = APIClient()
    client.force_authenticate(guide.user)
    return client


@pytest.fixture
def visit(api: Any) -> dict[str, Any]:
    """A visit that started an hour ago, led by Aïcha: a named group of three (one in a
    wheelchair) and a group of twelve without names."""
    departure = bookable_departure(days=10)
    named = book(api, departure, participants=3).json()
    counted = book(api, departure, participants=12).json()
    api.put(
        f"/api/v1/bookings/{named['reference']}/participants/",
        {
            "participants": [
                {"name": "Léa", "category": "pupil", "needs": {"reduced_mobility": True}},
                {"name": "Hugo", "category": "pupil", "needs": {"diet": True, "details": "vegan"}},
                {"name": "Mme Roux", "category": "accompanying_staff"},
            ]
        },
        format="json",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )
    guide = make_guide(display_name="Aïcha Benali")
    assign(departure, guide)
    starts = timezone.now() - timedelta(hours=1)
    length = departure.ends_at - departure.starts_at
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)
    people = {
        p.name: p.pk for p in Participant.objects.filter(booking__reference=named["reference"])
    }
    return {
        "departure": Departure.objects.get(pk=departure.pk),
        "named": named["reference"],
        "counted": counted["reference"],
        "guide": guide,
        "people": people,
    }


def _tick(at: datetime | None = None, **fields: Any) -> dict[str, Any]:
    return {"client_id": str(uuid.uuid4()), "at": (at or timezone.now()).isoformat(), **fields}


def _post(visit: dict[str, Any], ticks: list[dict[str, Any]], guide: Guide | None = None) -> Any:
    url = f"/api/v1/guides/me/visits/{visit['departure'].pk}/check-ins/"
    return _as(guide or visit["guide"]).post(url, {"check_ins": ticks}, format="json")


def test_the_manifest_lists_groups_names_needs_phones_and_programme(visit: Any) -> None:
    body = _as(visit["guide"]).get("/api/v1/guides/me/visits/").json()
    [manifest] = body["visits"]
    assert manifest["departure"] == visit["departure"].pk
    assert manifest["head_count"] == 15
    assert manifest["map_url"].startswith("https://www.openstreetmap.org/?mlat=")
    assert [stop["minutes"] for stop in manifest["programme"]] == [90]
    named = next(g for g in manifest["groups"] if g["reference"] == visit["named"])
    assert named["contact_phone"] == "+33 6 12 34 56 78"
    lea = next(p for p in named["participants"] if p["name"] == "Léa")
    assert lea["needs"]["reduced_mobility"] is True
    assert manifest["attendance"] == {}
    # Another guide sees none of it.
    other = make_guide(display_name="Other")
    assert _as(other).get("/api/v1/guides/me/visits/").json()["visits"] == []


def test_ten_ticks_sent_twice_count_once_and_the_latest_tick_wins(visit: Any) -> None:
    people = visit["people"]
    now = timezone.now()
    ticks = [
        _tick(now - timedelta(minutes=30), participant=people["Léa"]),
        _tick(now - timedelta(minutes=29), participant=people["Hugo"]),
        _tick(now - timedelta(minutes=28), booking=visit["counted"], count=7),
    ]
    first = _post(visit, ticks)
    assert first.status_code == 200, first.content
    assert (first.json()["recorded"], first.json()["duplicates"]) == (3, 0)
    # The phone sends the same queue again after the signal came back, plus corrections made
    # offline: Hugo left (ticked absent later), the group counted again with the late-comers;
    # a correction ticked earlier than what is recorded loses.
    again = [
        *ticks,
        _tick(now - timedelta(minutes=10), participant=people["Hugo"], present=False),
        _tick(now - timedelta(minutes=5), booking=visit["counted"], count=9),
        _tick(now - timedelta(minutes=40), booking=visit["counted"], count=2),
    ]
    second = _post(visit, again)
    assert second.status_code == 200, second.content
    assert (second.json()["recorded"], second.json()["duplicates"]) == (3, 3)
    attendance = second.json()["attendance"]
    assert attendance[visit["named"]] == {
        "present": [people["Léa"]],
        "absent": [people["Hugo"]],
        "counted": None,
        "walk_ins": 0,
        "attended": 1,
    }
    assert attendance[visit["counted"]]["attended"] == 9
    assert CheckIn.objects.count() == 6


@pytest.mark.parametrize(
    ("tick", "status", "code", "field"),
    [
        ({"participant": 999999}, 400, checkins.CHECK_IN_NOT_ON_VISIT, "check_ins.1.participant"),
        (
            {"booking": "VA-ZZZZZZ", "count": 2},
            400,
            checkins.CHECK_IN_NOT_ON_VISIT,
            "check_ins.1.booking",
        ),
        (
            {"booking": "COUNTED", "count": 13},
            400,
            checkins.CHECK_IN_COUNT_OVER_GROUP,
            "check_ins.1.count",
        ),
        (
            {"participant": "LEA", "at": "FUTURE"},
            400,
            checkins.CHECK_IN_OUT_OF_WINDOW,
            "check_ins.1.at",
        ),
        (
            {"participant": "LEA", "at": "YESTERDAY"},
            400,
            checkins.CHECK_IN_OUT_OF_WINDOW,
            "check_ins.1.at",
        ),
    ],
)
def test_a_bad_tick_is_refused_by_field_and_nothing_is_written(
    visit: Any, tick: dict[str, Any], status: int, code: str, field: str
) -> None:
    values = {"LEA": visit["people"]["Léa"], "COUNTED": visit["counted"]}
    times = {
        "FUTURE": timezone.now() + timedelta(hours=1),
        "YESTERDAY": timezone.now() - timedelta(days=1),
    }
    fields = {k: values.get(v, v) if isinstance(v, str) else v for k, v in tick.items()}
    at = times.get(fields.pop("at", ""))
    good = _tick(participant=visit["people"]["Hugo"])
    assert_problem(_post(visit, [good, _tick(at, **fields)]), status, code, field)
    assert not CheckIn.objects.exists()


def test_a_person_of_another_visit_is_not_checked_in_here(api: Any, visit: Any) -> None:
    elsewhere = bookable_departure(days=12, slug="autre")
    other = book(api, elsewhere, participants=2).json()
    api.put(
        f"/api/v1/bookings/{other['reference']}/participants/",
        {"participants": [{"name": "Zoé", "category": "adult"}]},
        format="json",
        HTTP_X_BOOKING_TOKEN=other["token"],
    )
    zoe = Participant.objects.get(name="Zoé").pk
    response = _post(visit, [_tick(participant=zoe)])
    assert_problem(response, 400, checkins.CHECK_IN_NOT_ON_VISIT, "check_ins.0.participant")


def test_a_client_id_reused_for_another_tick_is_refused(visit: Any) -> None:
    tick = _tick(participant=visit["people"]["Léa"])
    assert _post(visit, [tick]).status_code == 200
    changed = {**tick, "present": False}
    assert_problem(
        _post(visit, [changed]), 409, checkins.CHECK_IN_CLIENT_ID_REUSED, "check_ins.0.client_id"
    )
    assert CheckIn.objects.get().present is True


def test_a_very_late_check_in_and_a_cancelled_visit_are_refused(visit: Any) -> None:
    departure = visit["departure"]
    late = departure.ends_at + checkins.SENT_WITHIN + timedelta(minutes=1)
    with pytest.raises(checkins.Conflict) as refused:
        checkins.check_ins_record(
            guide=visit["guide"],
            departure=departure,
            ticks=[
                checkins.Tick(
                    client_id="x" * 10,
                    at=departure.starts_at,
                    participant_id=visit["people"]["Léa"],
                )
            ],
            now=late,
        )
    assert refused.value.code == checkins.CHECK_IN_TOO_LATE
    departure_cancel(departure=departure)
    response = _post(visit, [_tick(participant=visit["people"]["Léa"])])
    assert_problem(response, 409, checkins.CHECK_IN_DEPARTURE_CANCELLED, "departure")


def test_only_the_assigned_guide_checks_in_and_the_tick_names_one_thing(visit: Any) -> None:
    other = make_guide(display_name="Other")
    assert_problem(_post(visit, [_tick(participant=1)], guide=other), 404, "not_found")
    both = _tick(participant=visit["people"]["Léa"], booking=visit["counted"], count=1)
    assert_problem(_post(visit, [both]), 400, "validation_error")
    assert_problem(_post(visit, []), 400, "validation_error", "check_ins")
    assert_problem(_post(visit, [{"client_id": "short", "at": "x"}]), 400, "validation_error")
    anonymous = APIClient().get("/api/v1/guides/me/visits/")
    assert anonymous.status_code in (401, 403)
