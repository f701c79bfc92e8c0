"""Two groups on staggered times (issue 14 item 3), over HTTP.

A town hall of 40 on an itinerary whose sites take 25 at once: three stops of 30 minutes, so a
second group 30 minutes behind the first is always one site behind it. The availability offers
the split and the pairs of times; one request books both groups or neither.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from django.core import mail
from django.utils import timezone

from bookings import errors
from bookings.models import Booking, BookingEvent
from bookings.services import staggered
from bookings.terms import current_terms
from itineraries.models import Departure, DepartureKind, Itinerary
from itineraries.services import departure_schedule
from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, OptionFactory, SiteFactory
from tests.guides.helpers import at, make_guide

pytestmark = pytest.mark.django_db

DAY = 41  # days ahead: past the lead time, no public departure that day


def _itinerary(*, site_capacity: int = 25, stop_minutes: int = 30) -> Itinerary:
    sites = [SiteFactory(max_visitors=site_capacity) for _ in range(3)]
    itinerary = cast(
        Itinerary,
        ItineraryFactory(
            slug="ville-pilote",
            min_participants=8,
            max_participants=20,
            price_per_person_cents=1500,
            minimum_charge_cents=15000,
            lead_time_days=2,
            languages=["fr", "en"],
            private_start_times=["09:00"],
            meeting_site=sites[0],
            stops=[
                {"site": site, "offset_minutes": i * stop_minutes, "duration_minutes": stop_minutes}
                for i, site in enumerate(sites)
            ],
        ),
    )
    OptionFactory(itinerary=itinerary, code="lunch", price_per_person_cents=1800, vat_rate="10.00")
    return itinerary


def _availability(api: Any, participants: int, days: int = DAY) -> dict[str, Any]:
    day = (timezone.localdate() + timedelta(days=days)).isoformat()
    response = api.get(
        f"/api/v1/itineraries/ville-pilote/availability/"
        f"?from={day}&to={day}&participants={participants}&language=fr"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "itinerary": "ville-pilote",
        "starts_at": at(DAY, 9).isoformat(),
        "participants": 40,
        "split": [20, 20],
        "language": "fr",
        "options": [],
        "organisation": {"name": "Mairie d'Arras", "type": "public_body"},
        "contact": {"name": "Claire Martin", "email": "claire@example.org"},
        "billing": {"address": "Place des Héros", "postal_code": "62000", "city": "Arras"},
        "payment_method": "invoice",
        "terms_version": current_terms().version,
    }
    body.update(overrides)
    return body


def test_a_town_hall_of_forty_is_offered_two_groups_thirty_minutes_apart(api: Any) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    body = _availability(api, 40)
    assert body["group"]["fits"] == "staggered"
    assert body["group"]["split"] == [20, 20]
    assert body["group"]["stagger_minutes"] == 30
    assert body["group"]["largest_private_group"] == 25
    (day,) = body["days"]
    assert day["private_start_times"] == []
    assert day["private_unavailable"] == "group_too_large"
    assert day["staggered_unavailable"] is None
    (pair,) = day["staggered_start_times"]
    local = [timezone.localtime(datetime.fromisoformat(moment)) for moment in pair]
    assert [moment.strftime("%H:%M") for moment in local] == ["09:00", "09:30"]
    # Odd sizes: the first group takes the extra participant.
    assert _availability(api, 41)["group"]["split"] == [21, 20]


def test_the_offer_appears_only_when_two_groups_fit(api: Any) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    # One private date takes it: no split.
    body = _availability(api, 24)
    assert body["group"]["fits"] == "private" and body["group"]["split"] is None
    assert body["days"][0]["staggered_start_times"] == []
    # Two halves above what the sites hold: a quote.
    body = _availability(api, 52)
    assert body["group"]["fits"] == "quote" and body["group"]["split"] is None
    assert body["days"][0]["staggered_start_times"] == []


def test_one_guide_cannot_lead_both_groups(api: Any) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["en"])  # free, but not in the language asked
    day = _availability(api, 40)["days"][0]
    assert day["staggered_start_times"] == []
    assert day["staggered_unavailable"] == "no_guide"
    response = api.post("/api/v1/bookings/", _body(), format="json")
    assert_problem(response, 409, errors.NO_GUIDE_AVAILABLE, "starts_at")
    assert not Booking.objects.exists()


def test_the_two_groups_are_judged_together_at_the_sites(api: Any) -> None:
    # Stops of 60 minutes: the second group reaches the first site while the first is still
    # there (20 + 20 > 25). Each group alone would fit; together they do not.
    _itinerary(stop_minutes=60)
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    day = _availability(api, 40)["days"][0]
    assert day["staggered_start_times"] == []
    assert day["staggered_unavailable"] == "site_capacity"
    response = api.post("/api/v1/bookings/", _body(), format="json")
    assert_problem(response, 409, "site_capacity_exceeded", "starts_at")
    assert not Booking.objects.exists() and not Departure.objects.exists()


def test_one_request_books_both_groups_linked(api: Any) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    response = api.post("/api/v1/bookings/", _body(participants=41, split=[21, 20]), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    first = Booking.objects.get(reference=created["reference"])
    second = Booking.objects.get(reference=created["companion"]["reference"])
    assert first.companion == second and second.companion == first
    assert (first.participants, second.participants) == (21, 20)
    assert first.departure.kind == second.departure.kind == DepartureKind.PRIVATE
    assert second.departure.starts_at - first.departure.starts_at == timedelta(minutes=30)
    assert (first.departure.capacity, second.departure.capacity) == (21, 20)
    # Priced per sub-group by the ordinary pricing (21 and 20 people at 15 euros, plus 20 % VAT).
    assert first.total_cents == 21 * 1500 * 120 // 100
    assert second.total_cents == 20 * 1500 * 120 // 100
    assert first.status == second.status == "requested"
    assert first.payment_method == second.payment_method == "invoice"
    # The organiser gets both links: ours as usual, the other group's in ``companion``.
    companion = created["companion"]
    assert companion["participants"] == 20 and companion["token"]
    assert companion["booking_page"].endswith(
        f"/bookings/{second.reference}?token={companion['token']}"
    )
    read = api.get(
        f"/api/v1/bookings/{second.reference}/", HTTP_X_BOOKING_TOKEN=companion["token"]
    ).json()
    assert read["companion"]["reference"] == first.reference
    assert read["companion"]["participants"] == 21
    assert "token" not in read["companion"]
    # One e-mail per group, each naming the other group and its time.
    assert len(mail.outbox) == 2
    by_ref = {message.subject.split()[1]: message.body for message in mail.outbox}
    assert second.reference in by_ref[first.reference]
    assert "deux groupes décalés" in by_ref[first.reference]
    assert "9 h 30" in by_ref[first.reference]
    events = BookingEvent.objects.filter(action="created", data__companion=second.reference)
    assert [event.booking_id for event in events] == [first.pk]


def test_both_or_neither_when_the_second_slot_is_taken_meanwhile(api: Any) -> None:
    itinerary = _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    assert _availability(api, 40)["days"][0]["staggered_start_times"]
    # Meanwhile the office schedules a group of 10 at 9:30 (a public departure): the first
    # group's 9:00 still fits alone, the second group's 9:30 does not (20 + 10 > 25).
    departure_schedule(itinerary=itinerary, starts_at=at(DAY, 9, 30), language="fr", capacity=10)
    response = api.post("/api/v1/bookings/", _body(), format="json")
    assert_problem(response, 409, "site_capacity_exceeded", "starts_at")
    assert not Booking.objects.exists()
    assert Departure.objects.filter(kind=DepartureKind.PRIVATE).count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"split": [25, 14]}, staggered.SPLIT_INVALID, "split"),
        ({"split": [30, 10]}, staggered.SPLIT_INVALID, "split.0"),
        ({"split": [20, 10, 10]}, "max_length", "split"),
        ({"participants": 24, "split": [12, 12]}, staggered.STAGGERED_NOT_NEEDED, "split"),
        ({"payment_method": "card"}, staggered.STAGGERED_CARD_NOT_OFFERED, "payment_method"),
        ({"starts_at": at(DAY, 10).isoformat()}, errors.PRIVATE_TIME_NOT_OFFERED, "starts_at"),
    ],
)
def test_a_wrong_split_is_refused_and_nothing_is_written(
    api: Any, overrides: dict[str, Any], code: str, field: str
) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    response = api.post("/api/v1/bookings/", _body(**overrides), format="json")
    assert_problem(response, 400, code, field)
    assert not Booking.objects.exists() and not Departure.objects.exists()


def test_a_split_on_a_public_departure_is_refused(api: Any) -> None:
    _itinerary()
    body = _body()
    del body["itinerary"], body["starts_at"]
    body["departure"] = 1
    response = api.post("/api/v1/bookings/", body, format="json")
    assert_problem(response, 400, "split_private_only", "split")


def test_cancelling_one_group_keeps_the_other(api: Any) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    created = api.post("/api/v1/bookings/", _body(), format="json").json()
    response = api.post(
        f"/api/v1/bookings/{created['reference']}/cancel/",
        {},
        format="json",
        HTTP_X_BOOKING_TOKEN=created["token"],
    )
    assert response.status_code == 200, response.content
    other = Booking.objects.get(reference=created["companion"]["reference"])
    assert other.status == "requested"
    read = api.get(
        f"/api/v1/bookings/{other.reference}/", HTTP_X_BOOKING_TOKEN=created["companion"]["token"]
    ).json()
    assert read["companion"]["status"] == "cancelled"


def test_the_same_request_sent_twice_books_both_groups_once(api: Any) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    first = api.post("/api/v1/bookings/", _body(), format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    again = api.post("/api/v1/bookings/", _body(), format="json", HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == again.status_code == 201, again.content
    assert again.json() == first.json()
    assert Booking.objects.count() == 2
    assert Departure.objects.filter(kind=DepartureKind.PRIVATE).count() == 2


def test_the_staggered_offer_costs_the_queries_of_a_private_one_whatever_the_range(
    api: Any, django_assert_num_queries: Any
) -> None:
    _itinerary()
    make_guide(languages=["fr"])
    make_guide(languages=["fr"])
    # A private group's queries (tests/bookings/test_availability.py): itinerary, stops and
    # options, departures, stops, site occupancy (1: no departure is scheduled, so no stops of
    # theirs to read), closures, the guides check (4).
    with django_assert_num_queries(12):
        _availability(api, 40)
    first = timezone.localdate() + timedelta(days=3)
    with django_assert_num_queries(12):
        response = api.get(
            f"/api/v1/itineraries/ville-pilote/availability/?from={first.isoformat()}"
            f"&to={(first + timedelta(days=60)).isoformat()}&participants=40&language=fr"
        )
    assert sum(len(day["staggered_start_times"]) for day in response.json()["days"]) > 50
