"""The booking's answer says its departure's go/no-go (issue 18, item 4), through
``bookings.booking_answer_parts``: the participants still needed, the decision time, confirmed
or cancelled; null for a departure without a minimum."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import TestCase

from itineraries.models import Departure, Itinerary
from itineraries.services import departure_go_confirm
from tests.bookings.helpers import book, bookable_departure
from tests.factories import schedule
from visits import go_no_go

pytestmark = pytest.mark.django_db


def _with_minimum(departure: Departure, minimum: int = 20) -> Departure:
    Itinerary.objects.filter(pk=departure.itinerary_id).update(
        departure_minimum=minimum, decision_days=7
    )
    return Departure.objects.select_related("itinerary").get(pk=departure.pk)


def _read(api: Any, body: dict[str, Any]) -> Any:
    answer = api.get(f"/api/v1/bookings/{body['reference']}/", HTTP_X_BOOKING_TOKEN=body["token"])
    assert answer.status_code == 200, answer.content
    return answer.json()["departure_go_no_go"]


def test_the_booking_says_how_many_more_its_departure_needs(api: Any) -> None:
    departure = _with_minimum(bookable_departure(days=20), minimum=20)
    body = book(api, departure, participants=12).json()
    assert body["departure_go_no_go"]["participants_needed"] == 8  # the answer to the booking
    go = _read(api, body)
    assert go["minimum_participants"] == 20 and go["participants_needed"] == 8
    assert go["confirmed"] is False and go["cancelled"] is False
    expected = departure.starts_at - timedelta(days=7)
    assert go["decision_at"].startswith(expected.strftime("%Y-%m-%dT"))
    book(api, departure, participants=10)
    assert _read(api, body)["participants_needed"] == 0  # reached, not yet confirmed


def test_a_confirmed_then_a_cancelled_departure_says_so(api: Any) -> None:
    confirmed = _with_minimum(bookable_departure(days=20), minimum=20)
    body = book(api, confirmed, participants=12).json()
    departure_go_confirm(departure=confirmed)
    go = _read(api, body)
    assert (go["confirmed"], go["participants_needed"], go["cancelled"]) == (True, 0, False)

    short = _with_minimum(schedule(confirmed.itinerary, days=30, capacity=30), minimum=25)
    other = book(api, short, participants=5).json()
    with TestCase.captureOnCommitCallbacks(execute=True):
        go_no_go.departures_decide(short.starts_at - timedelta(days=7) + timedelta(minutes=5))
    go = _read(api, other)
    assert (go["cancelled"], go["participants_needed"], go["confirmed"]) == (True, 0, False)


def test_without_a_minimum_it_is_null(api: Any) -> None:
    body = book(api, bookable_departure(days=20), participants=12).json()
    assert _read(api, body) is None


def test_the_demo_sets_a_minimum_on_every_itinerary_with_public_departures() -> None:
    from django.core.management import call_command

    from itineraries import demo

    call_command("load_demo", verbosity=0)
    public = {slug for slug, *_rest in demo.SEASON}
    for itinerary in Itinerary.objects.filter(slug__in=public):
        assert itinerary.departure_minimum > 0, itinerary.slug
    assert Departure.objects.filter(itinerary__slug__in=public).exists()
