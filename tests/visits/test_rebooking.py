"""A group whose public departure was cancelled moves to another date in one step (issue 18,
item 4; visits/rebooking.py): the offer on its booking page, the move, and what is refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase

from bookings.models import Booking, BookingStatus, Participant
from bookings.terms import current_terms
from itineraries.models import Departure, Itinerary
from tests.bookings.helpers import book, bookable_departure
from tests.factories import schedule
from visits import go_no_go
from visits.models import Rebooking

pytestmark = pytest.mark.django_db


def _cancelled_short_of_minimum(api: Any, participants: int = 5) -> tuple[dict[str, Any], Any]:
    departure = bookable_departure(days=20)
    Itinerary.objects.filter(pk=departure.itinerary_id).update(
        departure_minimum=20, decision_days=7
    )
    created = book(api, departure, participants=participants).json()
    put = api.put(
        f"/api/v1/bookings/{created['reference']}/participants/",
        {
            "participants": [
                {"name": "Léa Martin", "category": "pupil", "needs": {"diet": True}},
                {"name": "M. Dupont", "category": "accompanying_staff", "needs": {}},
            ]
        },
        format="json",
        HTTP_X_BOOKING_TOKEN=created["token"],
    )
    assert put.status_code == 200, put.content
    with TestCase.captureOnCommitCallbacks(execute=True):
        decided = go_no_go.departures_decide(
            departure.starts_at - timedelta(days=7) + timedelta(minutes=5)
        )
    assert decided["cancelled"] == 1
    return created, departure


def _offer(api: Any, created: dict[str, Any]) -> Any:
    return api.get(
        f"/api/v1/bookings/{created['reference']}/rebook/",
        HTTP_X_BOOKING_TOKEN=created["token"],
    )


def _move(api: Any, created: dict[str, Any], departure: Departure, **body: Any) -> Any:
    return api.post(
        f"/api/v1/bookings/{created['reference']}/rebook/",
        {"departure": departure.pk, "terms_version": current_terms().version, **body},
        format="json",
        HTTP_X_BOOKING_TOKEN=created["token"],
    )


def test_a_group_cancelled_short_of_the_minimum_moves_to_another_date(api: Any) -> None:
    created, departure = _cancelled_short_of_minimum(api)
    later = schedule(departure.itinerary, days=34, capacity=30)
    full = schedule(departure.itinerary, days=40, capacity=4)  # too small for five
    english = schedule(departure.itinerary, days=45, capacity=30, language="en")

    offer = _offer(api, created)
    assert offer.status_code == 200, offer.content
    body = offer.json()
    assert body["available"] is True
    assert body["reason"] == "minimum_not_reached"
    assert [row["id"] for row in body["departures"]] == [later.pk]
    assert {full.pk, english.pk}.isdisjoint(row["id"] for row in body["departures"])
    assert body["departures"][0]["seats_left"] == 30
    assert body["rebooked_as"] is None and body["private_dates"] is True

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        moved = _move(api, created, later)
    assert moved.status_code == 201, moved.content
    answer = moved.json()
    assert answer["reference"] != created["reference"] and answer["token"]
    new = Booking.objects.get(reference=answer["reference"])
    old = Booking.objects.get(reference=created["reference"])
    assert new.departure_id == later.pk and new.participants == old.participants == 5
    assert (new.contact_email, new.organisation_name, new.options) == (
        old.contact_email,
        old.organisation_name,
        old.options,
    )
    assert new.status != BookingStatus.CANCELLED
    assert sorted(Participant.objects.filter(booking=new).values_list("name", flat=True)) == [
        "Léa Martin",
        "M. Dupont",
    ]
    assert Participant.objects.get(booking=new, name="Léa Martin").needs_diet
    assert old.events.get(action="rebooked").data == {"booking": new.reference}
    assert new.events.get(action="rebooked_from").data["booking"] == old.reference
    # The new booking is a booking like any other: its group gets its e-mail and its token opens it.
    assert any(new.reference in f"{message.subject} {message.body}" for message in mail.outbox)
    assert (
        api.get(
            f"/api/v1/bookings/{new.reference}/", HTTP_X_BOOKING_TOKEN=answer["token"]
        ).status_code
        == 200
    )

    # Done once: the page now names the new booking, and a second move is refused.
    after = _offer(api, created).json()
    assert after["available"] is False and after["rebooked_as"] == new.reference
    again = _move(api, created, later)
    assert again.status_code == 409 and again.json()["code"] == "already_rebooked"
    assert Booking.objects.filter(departure=later).count() == 1


def test_what_a_move_refuses_changes_nothing(api: Any) -> None:
    created, departure = _cancelled_short_of_minimum(api)
    full = schedule(departure.itinerary, days=40, capacity=4)
    elsewhere = schedule(bookable_departure(slug="terrils", days=30).itinerary, days=31)
    before = Booking.objects.count()

    other = _move(api, created, elsewhere)
    assert other.status_code == 400 and other.json()["errors"][0]["field"] == "departure"
    assert other.json()["code"] == "departure_not_offered"
    sold_out = _move(api, created, full)
    assert sold_out.status_code == 409, sold_out.content
    missing = api.post(
        f"/api/v1/bookings/{created['reference']}/rebook/",
        {"departure": "soon"},
        format="json",
        HTTP_X_BOOKING_TOKEN=created["token"],
    )
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {"departure", "terms_version"}
    stranger = api.post(
        f"/api/v1/bookings/{created['reference']}/rebook/",
        {"departure": full.pk, "terms_version": current_terms().version},
        format="json",
        HTTP_X_BOOKING_TOKEN="not-the-token",
    )
    assert stranger.status_code == 404
    assert Booking.objects.count() == before
    assert not Rebooking.objects.exists()  # a refused placement gives its claim back
    assert _offer(api, created).json()["available"] is True


def test_a_group_that_cancelled_itself_or_still_goes_is_offered_nothing(api: Any) -> None:
    departure = bookable_departure(days=20)
    later = schedule(departure.itinerary, days=34, capacity=30)
    live = book(api, departure, participants=5).json()
    assert _offer(api, live).json() == {
        "available": False,
        "reason": "",
        "departures": [],
        "private_dates": False,
        "itinerary": departure.itinerary.slug,
        "rebooked_as": None,
    }
    cancelled = api.post(
        f"/api/v1/bookings/{live['reference']}/cancel/",
        {},
        format="json",
        HTTP_X_BOOKING_TOKEN=live["token"],
    )
    assert cancelled.status_code == 200, cancelled.content
    assert _offer(api, live).json()["available"] is False
    refused = _move(api, live, later)
    assert refused.status_code == 409 and refused.json()["code"] == "rebook_not_offered"
    assert not Booking.objects.filter(departure=later).exists()
