"""A card booking awaiting its payment cannot raise what is due: an open Checkout Session was
opened for the old amount, and paying it would confirm the booking with part of the price
unpaid. The group adds participants once its payment is received; the balance is then due."""

from __future__ import annotations

from typing import Any

from bookings import errors
from itineraries.models import Itinerary
from tests.conftest import assert_problem
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import card_booking, get_booking, only_payment, pay


def _change(api: Any, body: dict[str, Any], participants: int) -> Any:
    return api.patch(
        f"/api/v1/bookings/{body['reference']}/",
        {"participants": participants},
        format="json",
        HTTP_X_BOOKING_TOKEN=body["token"],
    )


def test_paying_the_old_session_after_adding_participants_cannot_confirm_an_underpaid_booking(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=40, participants=10)  # the deposit is due
    session = only_payment(body["reference"])
    deposit_for_ten = body["price"]["deposit_cents"]
    assert session.amount_cents == deposit_for_ten

    raised = _change(api, body, 30)

    problem = assert_problem(raised, 409, errors.PAYMENT_PENDING, "participants")
    assert "payment" in problem["detail"].lower() or "paiement" in problem["detail"].lower()
    pay(api, stripe_fake, session)  # the session opened for ten people
    paid = get_booking(api, body)
    assert paid["status"] == "confirmed"
    assert paid["participants"] == 10
    assert paid["amount_paid_cents"] >= paid["price"]["deposit_cents"]

    # Once the payment is received the group may grow; the rest is due through Checkout.
    grown = _change(api, body, 30)
    assert grown.status_code == 200, grown.content
    after = get_booking(api, body)
    assert after["participants"] == 30
    assert after["amount_due_now"] == {
        "amount_cents": after["price"]["total_cents"] - deposit_for_ten,
        "kind": "balance",
    }


def test_a_smaller_group_awaiting_payment_may_still_change_unless_the_price_rises(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=40, participants=10)
    lowered = _change(api, body, 9)
    assert lowered.status_code == 200, lowered.content
    # The office raised the itinerary's price in the meantime: nine people now cost more than
    # the session opened for ten, so the change would again leave part of the price unpaid.
    Itinerary.objects.update(price_per_person_cents=5000)
    assert_problem(_change(api, body, 8), 409, errors.PAYMENT_PENDING, "participants")
    assert get_booking(api, body)["participants"] == 9
