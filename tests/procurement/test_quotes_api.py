"""Quotes through the API: ask, read with the token, accept into a booking at the frozen price,
and the refusals (expired, superseded, already accepted, sold out, bad input) that change
nothing."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingStatus, SeatHold
from bookings.pricing import price_booking
from procurement.models import Quote, QuoteAcceptance, QuoteEvent, QuoteStatus, QuoteVersion
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.procurement.helpers import quote_body, quote_staff

pytestmark = pytest.mark.django_db


def ask(api: APIClient, departure: Any, **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/v1/quotes/", quote_body(departure, **overrides), format="json")
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def accept(api: APIClient, quote: dict[str, Any], **body: Any) -> Any:
    payload = {"name": "Claire Martin", "role": "Directrice", "statement": True, **body}
    return api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        payload,
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )


@pytest.fixture
def office() -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(quote_staff(username="quotes"))
    return client


def test_a_quote_is_numbered_priced_with_free_places_and_its_token_is_stored_hashed(
    api: APIClient,
) -> None:
    departure = bookable_departure(capacity=60)  # two quotes of 24 seats, each held
    before = timezone.now()
    first = ask(api, departure)
    second = ask(api, departure)

    year = timezone.localdate().year
    assert first["number"] == f"D{year}-000001"
    assert second["number"] == f"D{year}-000002"
    assert first["version"] == 1 and first["status"] == "sent"
    valid_until = timezone.datetime.fromisoformat(first["valid_until"])
    assert before + timedelta(days=30) <= valid_until <= timezone.now() + timedelta(days=30)
    # 20 pupils, 1 adult, 3 staff: 24 seats, 2 staff free (one per ten pupils), 22 paying.
    expected = price_booking(
        itinerary=departure.itinerary,
        participants=22,
        options=list(departure.itinerary.options.all()),
        language="fr",
    )
    assert first["price"] == expected
    assert first["price"]["lines"][0]["quantity"] == 22
    version = first["versions"][0]
    assert (version["pupils"], version["adults"], version["staff"]) == (20, 1, 3)
    assert version["free_places"] == 2
    assert first["links"]["pdf"] == f"/api/v1/quotes/{first['number']}/quote.pdf"
    assert first["links"]["accept"] == f"/api/v1/quotes/{first['number']}/accept/"
    quote = Quote.objects.get(number=first["number"])
    assert first["token"] and first["token"] not in quote.token_hash
    assert quote.token_hash == hashlib.sha256(first["token"].encode()).hexdigest()
    assert quote.siret and quote.commitment_number_follows is True
    assert QuoteEvent.objects.filter(quote=quote, action="created").count() == 1


def test_reading_a_quote_needs_its_token(api: APIClient) -> None:
    quote = ask(api, bookable_departure())
    url = f"/api/v1/quotes/{quote['number']}/"
    assert_problem(api.get(url), 404, "quote_not_found")
    assert_problem(api.get(url, HTTP_X_QUOTE_TOKEN="wrong"), 404, "quote_not_found")
    by_header = api.get(url, HTTP_X_QUOTE_TOKEN=quote["token"])
    assert by_header.status_code == 200
    assert "token" not in by_header.json()
    assert api.get(url, {"token": quote["token"]}).json()["number"] == quote["number"]
    pdf = api.get(f"/api/v1/quotes/{quote['number']}/quote.pdf", {"token": quote["token"]})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert_problem(api.get(f"/api/v1/quotes/{quote['number']}/quote.pdf"), 404, "quote_not_found")


def test_acceptance_books_at_the_frozen_price_and_records_who_and_which_pdf(
    api: APIClient,
) -> None:
    departure = bookable_departure()
    quote = ask(api, departure)
    itinerary = departure.itinerary
    itinerary.price_per_person_cents = 9900  # the catalogue changes after the quote
    itinerary.save()
    pdf = api.get(f"/api/v1/quotes/{quote['number']}/quote.pdf", {"token": quote["token"]})

    response = accept(api, quote)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    booking = Booking.objects.get(reference=response.json()["booking"])
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.hold_expires_at is None
    assert booking.participants == 24
    assert booking.price == quote["price"]
    assert booking.total_cents == quote["price"]["total_cents"]
    assert booking.payment_method == "invoice"
    acceptance = QuoteAcceptance.objects.get(quote__number=quote["number"])
    assert (acceptance.name, acceptance.role, acceptance.statement) == (
        "Claire Martin",
        "Directrice",
        True,
    )
    assert acceptance.client_address == "127.0.0.1"
    assert acceptance.pdf_sha256 == hashlib.sha256(pdf.content).hexdigest()
    assert acceptance.version == 1


def test_a_quote_is_accepted_once(api: APIClient) -> None:
    quote = ask(api, bookable_departure())
    assert accept(api, quote).status_code == 200
    assert_problem(accept(api, quote), 409, "quote_already_accepted")
    assert Booking.objects.count() == 1
    assert QuoteAcceptance.objects.count() == 1


def test_an_expired_quote_cannot_be_accepted_until_staff_extend_it(
    api: APIClient, office: APIClient
) -> None:
    quote = ask(api, bookable_departure())
    Quote.objects.filter(number=quote["number"]).update(
        valid_until=timezone.now() - timedelta(minutes=1)
    )
    read = api.get(f"/api/v1/quotes/{quote['number']}/", HTTP_X_QUOTE_TOKEN=quote["token"])
    assert read.json()["status"] == "expired"

    assert_problem(accept(api, quote), 409, "quote_expired")
    assert Booking.objects.count() == 0
    assert not QuoteAcceptance.objects.exists()

    extended = office.post(f"/api/v1/quotes/{quote['number']}/extend/", {"days": 10}, format="json")
    assert extended.status_code == 200, extended.content
    assert extended.json()["status"] == "sent"
    assert accept(api, quote).status_code == 200
    assert QuoteEvent.objects.filter(action="extended", actor__username="quotes").exists()


def test_a_revision_supersedes_the_version_which_stays_readable(
    api: APIClient, office: APIClient
) -> None:
    departure = bookable_departure()
    quote = ask(api, departure)
    revised = office.post(
        f"/api/v1/quotes/{quote['number']}/revise/",
        quote_body(departure, categories={"pupils": 25, "adults": 0, "staff": 3}),
        format="json",
    )
    assert revised.status_code == 200, revised.content
    body = revised.json()
    assert body["version"] == 2
    assert [v["superseded"] for v in body["versions"]] == [True, False]
    assert body["price"]["lines"][0]["quantity"] == 26  # 28 seats, 2 free

    assert_problem(accept(api, quote, version=1), 409, "quote_superseded", "version")
    assert Booking.objects.count() == 0
    old = api.get(
        f"/api/v1/quotes/{quote['number']}/quote.pdf", {"token": quote["token"], "version": 1}
    )
    assert old.status_code == 200
    assert old.content != bytes(QuoteVersion.objects.get(version=2).pdf)

    accepted = accept(api, quote, version=2)
    assert accepted.status_code == 200, accepted.content
    assert Booking.objects.get().participants == 28


def test_seats_gone_refuses_acceptance_and_nothing_changes(api: APIClient) -> None:
    departure = bookable_departure(capacity=30)
    quote = ask(api, departure)  # 24 seats, held until the quote expires
    Quote.objects.filter(number=quote["number"]).update(
        valid_until=timezone.now() - timedelta(minutes=1)
    )
    SeatHold.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert book(api, departure, participants=10).status_code == 201  # the hold ran out
    Quote.objects.filter(number=quote["number"]).update(
        valid_until=timezone.now() + timedelta(days=1)
    )  # as if its validity had been moved without its hold: the acceptance still counts

    assert_problem(accept(api, quote), 409, "sold_out")
    stored = Quote.objects.get(number=quote["number"])
    assert stored.status == QuoteStatus.SENT and stored.booking is None
    assert Booking.objects.count() == 1
    assert not QuoteAcceptance.objects.exists()


def test_staff_decline_with_a_reason_and_the_group_may_not(
    api: APIClient, office: APIClient
) -> None:
    quote = ask(api, bookable_departure())
    url = f"/api/v1/quotes/{quote['number']}/decline/"
    anonymous = api.post(url, {"reason": "x"}, format="json", HTTP_X_QUOTE_TOKEN=quote["token"])
    assert anonymous.status_code in (401, 403)
    assert_problem(office.post(url, {}, format="json"), 400, "validation_error", "reason")
    declined = office.post(url, {"reason": "Group size changed"}, format="json")
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert_problem(accept(api, quote), 409, "quote_not_open")
    assert QuoteEvent.objects.filter(action="declined").get().data == {
        "reason": "Group size changed"
    }


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        (
            {
                "organisation": {
                    "name": "Mairie",
                    "type": "public_body",
                    "siret": "21620041600017",
                }
            },
            "organisation.siret",
            "invalid_siret",
        ),
        ({"categories": {"pupils": 0, "adults": 0, "staff": 0}}, "categories", "no_participants"),
        ({"categories": {"pupils": -1}}, "categories.pupils", "min_value"),
        ({"options": ["helicopter"]}, "options.0", "unknown_option"),
        ({"departure": 999999}, "departure", "departure_not_bookable"),
        ({"payment_method": "card"}, "payment_method", "invoice_only"),
        ({"language": "en"}, "language", "language_not_offered"),
        (
            {"categories": {"pupils": 30, "adults": 0, "staff": 3}},
            "categories",
            "participants_out_of_range",
        ),
    ],
)
def test_bad_input_is_a_problem_with_field_and_code_and_no_quote(
    api: APIClient, overrides: dict[str, Any], field: str, code: str
) -> None:
    departure = bookable_departure()
    response = api.post("/api/v1/quotes/", quote_body(departure, **overrides), format="json")
    assert response.status_code == 400, response.content
    rows = [(row["field"], row["code"]) for row in response.json()["errors"]]
    assert (field, code) in rows, rows
    assert not Quote.objects.exists()


def test_acceptance_needs_the_statement(api: APIClient) -> None:
    quote = ask(api, bookable_departure())
    response = accept(api, quote, statement=False)
    assert response.status_code == 400
    rows = [(row["field"], row["code"]) for row in response.json()["errors"]]
    assert ("statement", "statement_required") in rows
    assert_problem(accept(api, quote, name=""), 400, "validation_error", "name")
    assert Quote.objects.get().status == QuoteStatus.SENT


def test_the_office_group_may_extend_quotes(api: APIClient, staff_api: APIClient) -> None:
    quote = ask(api, bookable_departure())
    response = staff_api.post(
        f"/api/v1/quotes/{quote['number']}/extend/", {"days": 5}, format="json"
    )
    assert response.status_code == 200, response.content
    read = staff_api.get(f"/api/v1/quotes/{quote['number']}/")  # staff read without the token
    assert read.status_code == 200
