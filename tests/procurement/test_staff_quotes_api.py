"""Staff quote API: the list by status and expiry, and converting a quote into a booking on the
buyer's behalf (the same acceptance, audited as the staff member's)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingStatus, SeatHold
from procurement.models import Quote, QuoteAcceptance, QuoteEvent
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.factories import StaffFactory
from tests.procurement.helpers import quote_staff
from tests.procurement.test_quotes_api import accept, ask

pytestmark = pytest.mark.django_db


@pytest.fixture
def office() -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(quote_staff(username="quotes"))
    return client


def _expire(quote: dict[str, Any]) -> None:
    Quote.objects.filter(number=quote["number"]).update(
        valid_until=timezone.now() - timedelta(minutes=1)
    )


def test_staff_list_quotes_by_status_and_expiry_soonest_first_in_constant_queries(
    api: APIClient, office: APIClient, django_assert_num_queries: Any
) -> None:
    first = ask(api, bookable_departure(slug="list-one"))
    second = ask(api, bookable_departure(slug="list-two"))
    third = ask(api, bookable_departure(slug="list-three"))
    _expire(first)
    Quote.objects.filter(number=third["number"]).update(
        valid_until=timezone.now() + timedelta(days=3)
    )
    assert accept(api, second).status_code == 200

    # the permission (user and group permissions), count, page (bookings joined)
    with django_assert_num_queries(4):
        listed = office.get("/api/v1/quotes/")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 3
    assert [row["number"] for row in body["results"]] == [
        first["number"],
        third["number"],
        second["number"],
    ]
    assert [row["status"] for row in body["results"]] == ["expired", "sent", "accepted"]
    assert body["results"][2]["booking"] == Booking.objects.get().reference

    def numbers(query: str) -> list[str]:
        response = office.get(f"/api/v1/quotes/?{query}")
        assert response.status_code == 200, response.content
        return [row["number"] for row in response.json()["results"]]

    assert numbers("status=expired") == [first["number"]]
    assert numbers("status=sent") == [third["number"]]
    assert numbers("status=accepted") == [second["number"]]
    soon = (timezone.now() + timedelta(days=5)).isoformat()
    assert numbers(urlencode({"status": "sent", "expires_before": soon})) == [third["number"]]
    assert numbers(urlencode({"expires_after": soon})) == [second["number"]]
    assert_problem(office.get("/api/v1/quotes/?status=lost"), 400, "invalid", "status")
    assert_problem(office.get("/api/v1/quotes/?expires_before=soon"), 400, "invalid")


def test_only_staff_who_may_view_quotes_list_them(api: APIClient) -> None:
    ask(api, bookable_departure())
    assert api.get("/api/v1/quotes/").status_code in (401, 403)
    other = CommittingAPIClient()
    other.force_authenticate(StaffFactory(username="nobody", groups=[]))
    assert other.get("/api/v1/quotes/").status_code == 403


def test_staff_convert_a_quote_with_the_paper_orders_numbers_audited_as_theirs(
    api: APIClient, office: APIClient
) -> None:
    quote = ask(api, bookable_departure())
    response = office.post(
        f"/api/v1/quotes/{quote['number']}/convert/",
        {
            "name": "Claire Martin",
            "role": "Principale",
            "purchase_order_number": "BC-118",
            "commitment_number": "EJ-2026-0099",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert (body["purchase_order_number"], body["commitment_number"]) == ("BC-118", "EJ-2026-0099")
    assert "booking_token" not in body
    booking = Booking.objects.get(reference=body["booking"])
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.purchase_order == "EJ-2026-0099"
    assert booking.total_cents == quote["price"]["total_cents"]
    acceptance = QuoteAcceptance.objects.get()
    assert (acceptance.name, acceptance.role, acceptance.statement) == (
        "Claire Martin",
        "Principale",
        True,
    )
    accepted = QuoteEvent.objects.get(action="accepted")
    assert accepted.actor is not None and accepted.actor.username == "quotes"
    assert accepted.data["by_staff"] is True
    assert QuoteEvent.objects.filter(action="order_details", actor__username="quotes").exists()

    # a second conversion, or the buyer's own acceptance, is refused: nothing changes
    again = office.post(
        f"/api/v1/quotes/{quote['number']}/convert/",
        {"name": "X", "role": "Y"},
        format="json",
    )
    assert_problem(again, 409, "quote_already_accepted")
    assert_problem(accept(api, quote), 409, "quote_already_accepted")
    assert Booking.objects.count() == 1


def test_convert_refuses_expired_superseded_and_sold_out_quotes_and_the_group(
    api: APIClient, office: APIClient
) -> None:
    departure = bookable_departure(capacity=30)
    quote = ask(api, departure)
    url = f"/api/v1/quotes/{quote['number']}/convert/"
    signatory = {"name": "Claire Martin", "role": "Principale"}

    # the group itself, with its token, may not convert
    mine = api.post(url, signatory, format="json", HTTP_X_QUOTE_TOKEN=quote["token"])
    assert mine.status_code in (401, 403)

    _expire(quote)
    assert_problem(office.post(url, signatory, format="json"), 409, "quote_expired")

    Quote.objects.filter(number=quote["number"]).update(
        valid_until=timezone.now() + timedelta(days=1)
    )
    assert_problem(
        office.post(url, {**signatory, "version": 2}, format="json"),
        409,
        "quote_superseded",
        "version",
    )

    SeatHold.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert book(api, departure, participants=10).status_code == 201  # the hold ran out
    assert_problem(office.post(url, signatory, format="json"), 409, "sold_out")
    assert_problem(office.post(url, {"name": ""}, format="json"), 400, "validation_error")
    assert not QuoteAcceptance.objects.exists()
    assert Booking.objects.count() == 1
