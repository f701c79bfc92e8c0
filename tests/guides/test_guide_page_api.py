"""What the guide page reads (issue 14 item 11): the feed link shown without rotating it, and
the visits with their groups, head counts (requests apart) and organisers' phones."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from core.tokens import hash_token
from guides.models import Guide
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.guides.helpers import assign, make_guide

pytestmark = pytest.mark.django_db


def _as(user: Any) -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(user)
    return client


def _token_of(body: dict[str, str]) -> str:
    return body["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")


def test_the_feed_link_is_shown_again_without_changing_it(api: APIClient) -> None:
    guide = make_guide()
    client = _as(guide.user)
    assert client.get("/api/v1/guides/me/feed-token/").json() == {
        "has_feed": False,
        "feed_url": None,
        "webcal_url": None,
    }
    made = client.post("/api/v1/guides/me/feed-token/").json()
    guide.refresh_from_db()
    stored = guide.feed_token_hash
    for _visit in range(2):
        shown = client.get("/api/v1/guides/me/feed-token/")
        assert shown.status_code == 200, shown.content
        assert shown["Cache-Control"] == "no-store"
        assert shown.json() == {**made, "has_feed": True}
    guide.refresh_from_db()
    assert guide.feed_token_hash == stored
    assert api.get(f"/calendar/guides/{_token_of(made)}.ics").status_code == 200
    # The database alone does not give the link: the seed is not the token.
    assert _token_of(made) not in guide.feed_token_seed
    # A new link is a separate action; the old one stops working.
    rotated = client.post("/api/v1/guides/me/feed-token/").json()
    assert rotated["feed_url"] != made["feed_url"]
    assert client.get("/api/v1/guides/me/feed-token/").json()["feed_url"] == rotated["feed_url"]
    assert api.get(f"/calendar/guides/{_token_of(made)}.ics").status_code == 404


def test_a_link_made_before_it_could_be_shown_asks_for_a_new_one() -> None:
    guide = make_guide()
    Guide.objects.filter(pk=guide.pk).update(feed_token_hash=hash_token("an-old-token"))
    body = _as(guide.user).get("/api/v1/guides/me/feed-token/").json()
    assert body == {"has_feed": True, "feed_url": None, "webcal_url": None}


def test_staff_rotation_is_shown_to_the_guide_too(staff_api: APIClient) -> None:
    guide = make_guide()
    made = staff_api.post(f"/api/v1/guides/{guide.pk}/feed-token/").json()
    shown = _as(guide.user).get("/api/v1/guides/me/feed-token/").json()
    assert shown["feed_url"] == made["feed_url"]


def test_the_schedule_shows_groups_requests_apart_and_the_organisers_phones(
    staff_api: APIClient,
) -> None:
    guide = make_guide()
    departure = bookable_departure(capacity=30, days=40)
    assign(departure, guide)
    confirmed = book(staff_api, departure, participants=12, options=[]).json()
    staff_api.post(f"/api/v1/bookings/{confirmed['reference']}/confirm/")
    requested = book(staff_api, departure, participants=5, options=[]).json()
    day = departure.starts_at.astimezone().date().isoformat()
    response = _as(guide.user).get("/api/v1/guides/me/schedule/", {"from": day, "to": day})
    (entry,) = response.json()["assignments"]
    assert entry["participants"] == 12
    assert entry["participants_requested"] == 5
    assert entry["meeting_point"] == "Base 11/19"
    assert entry["groups"] == [
        {
            "reference": confirmed["reference"],
            "organisation": "Mairie d'Arras",
            "participants": 12,
            "status": "confirmed",
            "contact_name": "Claire Martin",
            "contact_phone": entry["groups"][0]["contact_phone"],
            "named_participants": [],
        },
        {
            "reference": requested["reference"],
            "organisation": "Mairie d'Arras",
            "participants": 5,
            "status": "requested",
            "contact_name": "Claire Martin",
            "contact_phone": entry["groups"][1]["contact_phone"],
            "named_participants": [],
        },
    ]
    assert entry["groups"][0]["contact_phone"]


def test_the_schedule_costs_a_fixed_number_of_queries(
    staff_api: APIClient, django_assert_num_queries: Any
) -> None:
    guide = make_guide()
    client = _as(guide.user)
    departure = bookable_departure(capacity=30, days=40)
    assign(departure, guide)
    for _ in range(3):
        book(staff_api, departure, participants=2, options=[])
    url = "/api/v1/guides/me/schedule/?to=" + departure.starts_at.date().isoformat()
    # The assignments, their live bookings, their named participants (the guide is the
    # signed-in user's, already loaded).
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["assignments"][0]["groups"]) == 3
    for _ in range(3):
        book(staff_api, departure, participants=2, options=[])
    with django_assert_num_queries(3):
        assert len(client.get(url).json()["assignments"][0]["groups"]) == 6


def test_the_assigned_guide_reads_the_participants_needs_and_no_other_guide_does(
    api: APIClient, staff_api: APIClient
) -> None:
    guide, other_guide = make_guide(), make_guide()
    departure = bookable_departure(capacity=30, days=40)
    elsewhere = bookable_departure(capacity=30, days=40, slug="other-visit")
    assign(departure, guide)
    assign(elsewhere, other_guide)
    group = book(api, departure, participants=4, options=[]).json()
    entries = [
        {"name": "Léa", "category": "pupil", "needs": {"reduced_mobility": True}},
        {"name": "M. Dupont", "category": "accompanying_staff", "needs": {"details": "insuline"}},
    ]
    put = api.put(
        f"/api/v1/bookings/{group['reference']}/participants/",
        {"participants": entries},
        format="json",
        HTTP_X_BOOKING_TOKEN=group["token"],
    )
    assert put.status_code == 200, put.content
    day = departure.starts_at.astimezone().date().isoformat()
    mine = _as(guide.user).get("/api/v1/guides/me/schedule/", {"from": day, "to": day}).json()
    (entry,) = mine["assignments"]
    (listed,) = entry["groups"]
    assert [p["name"] for p in listed["named_participants"]] == ["Léa", "M. Dupont"]
    assert listed["named_participants"][0]["needs"]["reduced_mobility"] is True
    assert listed["named_participants"][1]["needs"]["details"] == "insuline"

    # A guide assigned elsewhere, and another group's organiser, read none of it.
    theirs = _as(other_guide.user).get("/api/v1/guides/me/schedule/", {"from": day, "to": day})
    assert theirs.status_code == 200
    assert "insuline" not in theirs.content.decode() and "Léa" not in theirs.content.decode()
    other_group = book(api, departure, participants=2, options=[]).json()
    nosy = api.get(
        f"/api/v1/bookings/{group['reference']}/participants/",
        HTTP_X_BOOKING_TOKEN=other_group["token"],
    )
    assert nosy.status_code == 404
    own = api.get(
        f"/api/v1/bookings/{other_group['reference']}/participants/",
        HTTP_X_BOOKING_TOKEN=other_group["token"],
    )
    assert own.status_code == 200 and own.json()["participants"] == []
    assert "insuline" not in own.content.decode()
