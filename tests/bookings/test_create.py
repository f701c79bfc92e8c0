"""Booking a public departure or requesting a private date, over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from bookings import errors
from bookings.models import Booking, BookingEvent
from core.tokens import hash_token
from itineraries.models import Departure, DepartureKind, DepartureStatus
from itineraries.services import SITE_CAPACITY_EXCEEDED
from tests.bookings.helpers import book, bookable_departure, booking_body
from tests.conftest import assert_problem
from tests.factories import in_days
from tests.guides.helpers import make_guide

pytestmark = pytest.mark.django_db


def test_invoice_booking_is_a_request_with_price_and_links(api: Any) -> None:
    departure = bookable_departure()
    response = book(api, departure)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("VA-") and len(body["reference"]) == 9
    assert len(body["token"]) >= 40
    assert body["status"] == "requested"
    hold = timezone.datetime.fromisoformat(body["hold_expires_at"])
    assert timedelta(days=6, hours=23) < hold - timezone.now() <= timedelta(days=7)
    assert body["departure"]["id"] == departure.pk
    assert body["departure"]["itinerary"] == "base-11-19"
    assert body["participants"] == 18
    assert body["checkout_url"] is None
    price = body["price"]
    # 18 x 15.00 = 270.00 at 20 % and 18 x 18.00 = 324.00 at 10 %.
    assert [
        (line["quantity"], line["unit_price_cents"], line["vat_rate"]) for line in price["lines"]
    ] == [
        (18, 1500, "20.00"),
        (18, 1800, "10.00"),
    ]
    assert price["total_excl_vat_cents"] == 59400
    assert price["vat_cents"] == 5400 + 3240
    assert price["total_cents"] == 59400 + 8640
    assert price["deposit_cents"] == 20412  # 30 % of 680.40
    assert price["currency"] == "EUR"
    links = body["links"]
    assert links["booking_page"].endswith(f"/bookings/{body['reference']}?token={body['token']}")
    assert links["calendar"].endswith(f"/calendar.ics?token={body['token']}")
    assert "programme.pdf" in links["programme"]

    booking = Booking.objects.get(reference=body["reference"])
    assert booking.token_hash == hash_token(body["token"])
    assert body["token"] not in str(booking.__dict__)
    assert BookingEvent.objects.filter(booking=booking, action="created").count() == 1
    assert len(mail.outbox) == 1
    assert body["reference"] in mail.outbox[0].subject
    assert mail.outbox[0].to == ["claire@example.org"]


def test_card_booking_waits_for_payment_for_30_minutes(api: Any, stripe_fake: Any) -> None:
    body = book(api, bookable_departure(), payment_method="card", billing={}).json()
    assert body["status"] == "pending_payment"
    hold = timezone.datetime.fromisoformat(body["hold_expires_at"])
    assert timedelta(minutes=29) < hold - timezone.now() <= timedelta(minutes=30)


def test_minimum_charge_applies_to_small_groups(api: Any) -> None:
    body = book(api, bookable_departure(), participants=4, options=[]).json()
    assert body["price"]["lines"][0]["quantity"] == 1
    assert body["price"]["lines"][0]["unit_price_cents"] == 15000
    assert body["price"]["total_cents"] == 18000


def test_english_booking_gets_english_labels_and_mail(api: Any) -> None:
    departure = bookable_departure(languages=["fr", "en"])
    departure.language = "en"
    departure.save(update_fields=["language"])
    body = book(api, departure, language="en").json()
    assert body["price"]["lines"][0]["label"].startswith("Guided visit")
    assert "received" in mail.outbox[0].subject


def test_private_date_request_creates_a_private_departure(api: Any) -> None:
    departure = bookable_departure()
    make_guide()  # private dates also need a free guide
    starts = in_days(20, 9)
    response = api.post(
        "/api/v1/bookings/",
        booking_body(itinerary="base-11-19", starts_at=starts.isoformat(), participants=12),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    private = Departure.objects.get(pk=body["departure"]["id"])
    assert private.pk != departure.pk
    assert private.kind == DepartureKind.PRIVATE
    assert private.capacity == 12
    assert private.starts_at == starts


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
def test_the_answer_to_a_request_is_what_a_later_read_says(api: Any, private: bool) -> None:
    """The created answer is built from the row just written, not read back: it must agree."""
    departure = bookable_departure()
    if private:
        make_guide()
        body = booking_body(itinerary="base-11-19", starts_at=in_days(20, 9).isoformat())
        created = api.post("/api/v1/bookings/", body, format="json")
    else:
        created = book(api, departure)
    assert created.status_code == 201, created.content
    answer = created.json()
    read = api.get(
        f"/api/v1/bookings/{answer['reference']}/", HTTP_X_BOOKING_TOKEN=answer["token"]
    ).json()
    del answer["token"], answer["checkout_error"]
    assert answer == read


def test_private_request_respects_site_occupancy(api: Any) -> None:
    departure = bookable_departure(capacity=30)
    make_guide()  # private dates also need a free guide
    site = departure.itinerary.stops.get().site
    site.max_visitors = 40
    site.save()
    starts = departure.starts_at.replace(hour=9)
    departure.itinerary.private_start_times = [starts.strftime("%H:%M")]
    departure.itinerary.save()
    from itineraries.services import departure_reschedule

    departure_reschedule(departure=departure, starts_at=starts)
    body = booking_body(itinerary="base-11-19", starts_at=starts.isoformat(), participants=12)
    response = api.post("/api/v1/bookings/", body, format="json")
    assert_problem(response, 409, SITE_CAPACITY_EXCEEDED, "starts_at")
    assert Departure.objects.count() == 1


def test_private_request_off_the_offered_times_is_refused(api: Any) -> None:
    bookable_departure()
    body = booking_body(itinerary="base-11-19", starts_at=in_days(20, 17).isoformat())
    response = api.post("/api/v1/bookings/", body, format="json")
    assert_problem(response, 400, errors.PRIVATE_TIME_NOT_OFFERED, "starts_at")


def test_seats_run_out(api: Any) -> None:
    departure = bookable_departure(capacity=20)
    assert book(api, departure, participants=15).status_code == 201
    response = book(api, departure, participants=6)
    body = assert_problem(response, 409, errors.SOLD_OUT, "participants")
    assert body["seats_left"] == 5
    assert book(api, departure, participants=5).status_code == 201
    assert_problem(book(api, departure, participants=1), 409, errors.SOLD_OUT, "participants")


def test_an_expired_hold_frees_its_seats_without_any_job(api: Any, stripe_fake: Any) -> None:
    departure = bookable_departure(capacity=20)
    first = book(api, departure, participants=20, payment_method="card", billing={}).json()
    assert_problem(book(api, departure, participants=1), 409, errors.SOLD_OUT)
    Booking.objects.filter(reference=first["reference"]).update(
        hold_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert book(api, departure, participants=20).status_code == 201
    assert Booking.objects.get(reference=first["reference"]).status == "pending_payment"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"participants": 0}, 400, "validation_error", "participants"),
        ({"participants": 10000}, 400, "validation_error", "participants"),
        ({"participants": 31}, 400, errors.PARTICIPANTS_OUT_OF_RANGE, "participants"),
        ({"participants": "many"}, 400, "validation_error", "participants"),
        ({"departure": 999999}, 400, errors.DEPARTURE_NOT_FOUND, "departure"),
        ({"language": "en"}, 400, errors.LANGUAGE_NOT_OFFERED, "language"),
        ({"language": "xx"}, 400, "validation_error", "language"),
        ({"options": ["spa"]}, 400, errors.UNKNOWN_OPTION, "options.0"),
        (
            {"contact": {"name": "C", "email": "not-an-email"}},
            400,
            "validation_error",
            "contact.email",
        ),
        (
            {"organisation": {"name": "X", "type": "school", "siret": "21620041600017"}},
            400,
            "validation_error",
            "organisation.siret",
        ),
        (
            {"organisation": {"name": "X", "type": "school", "siret": "1234"}},
            400,
            "validation_error",
            "organisation.siret",
        ),
        (
            {"organisation": {"name": "X", "type": "guild"}},
            400,
            "validation_error",
            "organisation.type",
        ),
        ({"billing": {}}, 400, "validation_error", "billing.address"),
        ({"payment_method": "bitcoin"}, 400, "validation_error", "payment_method"),
        ({"organisation": "Mairie"}, 400, "validation_error", "organisation"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    api: Any, overrides: dict[str, Any], status: int, code: str, field: str
) -> None:
    departure = bookable_departure()
    response = book(api, departure, **overrides)
    assert_problem(response, status, code, field)
    assert Booking.objects.count() == 0
    assert Departure.objects.count() == 1


def test_missing_fields_are_each_named(api: Any) -> None:
    body = assert_problem(api.post("/api/v1/bookings/", {}, format="json"), 400, "validation_error")
    fields = {row["field"] for row in body["errors"]}
    assert {"participants", "language", "organisation", "contact", "payment_method"} <= fields


def test_neither_departure_nor_private_date_is_refused(api: Any) -> None:
    bookable_departure()
    assert_problem(
        api.post("/api/v1/bookings/", booking_body(), format="json"),
        400,
        "validation_error",
        "departure",
    )


def test_cancelled_departure_cannot_be_booked(api: Any) -> None:
    departure = bookable_departure()
    Departure.objects.filter(pk=departure.pk).update(status=DepartureStatus.CANCELLED)
    assert_problem(book(api, departure), 409, errors.DEPARTURE_NOT_BOOKABLE, "departure")


def test_past_departure_cannot_be_booked(api: Any) -> None:
    departure = bookable_departure()
    Departure.objects.filter(pk=departure.pk).update(
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now()
    )
    assert_problem(book(api, departure), 409, errors.DEPARTURE_STARTED, "departure")


def test_lead_time_is_respected(api: Any) -> None:
    departure = bookable_departure(days=40, lead_time_days=50)
    assert_problem(book(api, departure), 400, errors.LEAD_TIME, "departure")


def test_malformed_json_and_oversized_bodies_write_nothing(api: Any) -> None:
    bookable_departure()
    bad = api.post("/api/v1/bookings/", data="{", content_type="application/json")
    assert_problem(bad, 400, "parse_error")
    big = api.post(
        "/api/v1/bookings/",
        data='{"notes": "' + "x" * 70000 + '"}',
        content_type="application/json",
    )
    assert_problem(big, 413, "body_too_large")
    assert Booking.objects.count() == 0


def test_a_repeated_post_with_the_same_idempotency_key_replays_the_booking(api: Any) -> None:
    departure = bookable_departure()
    first = api.post(
        "/api/v1/bookings/", booking_body(departure), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = api.post(
        "/api/v1/bookings/", booking_body(departure), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Booking.objects.count() == 1
    other = api.post(
        "/api/v1/bookings/",
        booking_body(departure, participants=3),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert_problem(other, 422, "idempotency_key_reused")
    assert Booking.objects.count() == 1


def test_a_reference_collision_is_drawn_again_with_nothing_left_behind(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    departure = bookable_departure(capacity=60)
    first = book(api, departure, participants=10).json()
    mail.outbox.clear()
    draws = iter([first["reference"], first["reference"], "VA-NEWREF"])
    monkeypatch.setattr("bookings.services.create.new_reference", lambda: next(draws))
    response = book(api, departure, participants=10)
    assert response.status_code == 201, response.content
    assert response.json()["reference"] == "VA-NEWREF"
    assert Booking.objects.count() == 2
    assert BookingEvent.objects.filter(action="created").count() == 2
    assert len(mail.outbox) == 1  # the rolled-back attempts sent nothing
