"""The cancellation policy applies to what the group paid and keeps: what was paid minus every
refund pending, owed or done. The terms shown in advance, the cancel answer and the refund
created agree, whether the earlier refund is a card refund still pending at Stripe or a bank
transfer refund that staff owe for days."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from bookings.models import BookingEvent
from payments.models import Refund, RefundReason, RefundStatus
from tests.bookings.helpers import book, bookable_departure
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import card_booking, get_booking, only_payment, pay

# 20 people with lunch: 2 x (15 € + 20 % VAT + 18 € lunch + 10 % VAT) per person.
TOTAL_20 = 75600
TOTAL_10 = 37800


def _lower_to_ten(client: Any, body: dict[str, Any], **auth: Any) -> None:
    changed = client.patch(
        f"/api/v1/bookings/{body['reference']}/", {"participants": 10}, format="json", **auth
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["price"]["total_cents"] == TOTAL_10


def _terms_cancel_and_refund(client: Any, body: dict[str, Any], **auth: Any) -> tuple[Any, ...]:
    url = f"/api/v1/bookings/{body['reference']}/"
    terms = client.get(url, **auth).json()["cancellation_terms"]
    cancel = client.post(f"{url}cancel/", {}, format="json", **auth)
    assert cancel.status_code == 200, cancel.content
    refund = Refund.objects.get(reason=RefundReason.CANCELLATION)
    return terms, cancel.json(), refund


def test_a_card_refund_still_pending_is_not_refunded_again_by_the_cancellation(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=20, participants=20)  # the 50 % tier; full price due at once
    assert body["price"]["total_cents"] == TOTAL_20
    pay(api, stripe_fake, only_payment(body["reference"]))
    auth = {"HTTP_X_BOOKING_TOKEN": body["token"]}
    _lower_to_ten(api, body, **auth)
    overpayment = Refund.objects.get(reason=RefundReason.OVERPAYMENT)
    assert (overpayment.amount_cents, overpayment.status) == (TOTAL_10, RefundStatus.PENDING)

    terms, cancel, refund = _terms_cancel_and_refund(api, body, **auth)

    half_of_what_is_kept = TOTAL_10 // 2
    assert terms["refund_percent"] == 50
    assert terms["refund_cents"] == half_of_what_is_kept
    assert terms["refundable_cents"] == TOTAL_10
    assert (cancel["refund_percent"], cancel["refund_cents"]) == (50, half_of_what_is_kept)
    assert refund.amount_cents == half_of_what_is_kept
    given_back = sum(Refund.objects.values_list("amount_cents", flat=True))
    assert given_back == TOTAL_20 * 75 // 100  # not 100 %
    assert get_booking(api, body)["amount_refund_pending_cents"] == given_back


def test_a_bank_transfer_refund_still_owed_is_not_refunded_again_by_the_cancellation(
    staff_api: Any,
) -> None:
    departure = bookable_departure(days=20)
    body = book(staff_api, departure, participants=20).json()
    recorded = staff_api.post(
        f"/api/v1/bookings/{body['reference']}/payments/",
        {
            "method": "bank_transfer",
            "amount_cents": TOTAL_20,
            "date": timezone.localdate().isoformat(),
            "reference": "VIR-2026-0042",
        },
        format="json",
    )
    assert recorded.status_code == 201, recorded.content
    _lower_to_ten(staff_api, body)
    owed = Refund.objects.get(reason=RefundReason.OVERPAYMENT)
    assert (owed.amount_cents, owed.status) == (TOTAL_10, RefundStatus.OWED)

    terms, cancel, refund = _terms_cancel_and_refund(staff_api, body)

    assert (terms["refund_percent"], terms["refund_cents"]) == (50, TOTAL_10 // 2)
    assert (cancel["refund_percent"], cancel["refund_cents"]) == (50, TOTAL_10 // 2)
    assert (refund.amount_cents, refund.status) == (TOTAL_10 // 2, RefundStatus.OWED)
    given_back = sum(Refund.objects.values_list("amount_cents", flat=True))
    assert given_back == TOTAL_20 * 75 // 100


def test_a_departure_cancelled_by_the_office_refunds_what_the_group_still_has_paid(
    staff_api: Any, api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=20, participants=20)
    pay(api, stripe_fake, only_payment(body["reference"]))
    _lower_to_ten(api, body, HTTP_X_BOOKING_TOKEN=body["token"])
    departure = body["departure"]["id"]
    response = staff_api.post(f"/api/v1/departures/{departure}/cancel/", {"reason": "Tempête"})
    assert response.status_code == 200, response.content
    event = BookingEvent.objects.get(booking__reference=body["reference"], action="cancelled")
    assert (event.data["refund_percent"], event.data["refund_cents"]) == (100, TOTAL_10)
    refund = Refund.objects.get(reason=RefundReason.CANCELLATION)
    assert refund.amount_cents == TOTAL_10  # 100 % of what remains, not of the gross payment
    assert sum(Refund.objects.values_list("amount_cents", flat=True)) == TOTAL_20
