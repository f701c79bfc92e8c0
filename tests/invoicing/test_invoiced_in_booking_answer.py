"""The booking's answer says what its invoices still claim and what of it is due (issue 14,
item 5): a cancelled invoice booking keeps its cancellation fee invoiced."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.invoicing.helpers import cancel, confirmed_booking, issue

pytestmark = pytest.mark.django_db

HALF_AFTER_60_DAYS = {
    "cancellation_policy": [
        {"days_before": 60, "refund_percent": 100},
        {"days_before": 0, "refund_percent": 50},
    ]
}


def _answer(staff_api: Any, reference: str) -> dict[str, Any]:
    response = staff_api.get(f"/api/v1/bookings/{reference}/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_booking_without_invoice_claims_nothing(staff_api: Any) -> None:
    booking = confirmed_booking()
    assert _answer(staff_api, booking.reference)["invoiced"] == {
        "net_cents": 0,
        "paid_cents": 0,
        "due_cents": 0,
    }


def test_a_cancelled_booking_with_an_unpaid_deposit_invoice_owes_the_fee(staff_api: Any) -> None:
    booking = confirmed_booking(itinerary=HALF_AFTER_60_DAYS)
    deposit = issue(staff_api, booking, "deposit").json()
    assert deposit["total_incl_vat_cents"] == 20412
    cancel(booking)
    body = _answer(staff_api, booking.reference)
    assert body["status"] == "cancelled"
    # Half of the 204.12 deposit invoice is credited; 102.06 stays invoiced, unpaid.
    assert body["invoiced"] == {"net_cents": 10206, "paid_cents": 0, "due_cents": 10206}


def test_a_cancelled_booking_whose_deposit_was_paid_owes_nothing(staff_api: Any) -> None:
    booking = confirmed_booking(itinerary=HALF_AFTER_60_DAYS)
    issue(staff_api, booking, "deposit")
    paid = staff_api.post(
        f"/api/v1/bookings/{booking.reference}/payments/",
        {"method": "bank_transfer", "amount_cents": 20412, "date": str(date.today())},
        format="json",
    )
    assert paid.status_code == 201, paid.content
    cancel(booking)
    # Half of the 204.12 paid goes back (a refund owed by staff); the other half settles the fee.
    assert _answer(staff_api, booking.reference)["invoiced"] == {
        "net_cents": 10206,
        "paid_cents": 10206,
        "due_cents": 0,
    }


def test_a_live_booking_with_an_issued_deposit_invoice_shows_it_due(staff_api: Any) -> None:
    booking = confirmed_booking()
    issue(staff_api, booking, "deposit")
    body = _answer(staff_api, booking.reference)
    assert body["invoiced"] == {"net_cents": 20412, "paid_cents": 0, "due_cents": 20412}


def test_the_staff_list_carries_invoiced_amounts_without_a_query_per_booking(
    staff_api: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = confirmed_booking()
    issue(staff_api, first, "deposit")
    with CaptureQueriesContext(connection) as one:
        listed = staff_api.get("/api/v1/bookings/").json()["results"]
    assert [row["invoiced"]["net_cents"] for row in listed] == [20412]
    second = confirmed_booking()
    issue(staff_api, second, "deposit")
    with CaptureQueriesContext(connection) as two:
        listed = staff_api.get("/api/v1/bookings/").json()["results"]
    assert [row["invoiced"]["due_cents"] for row in listed] == [20412, 20412]
    assert len(two.captured_queries) == len(one.captured_queries)
