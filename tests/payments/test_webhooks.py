"""The Stripe webhook: signatures, duplicates, order, late payments, outages."""

from __future__ import annotations

import itertools
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from bookings.models import Booking
from invoicing.models import Invoice
from payments import services as payment_services
from payments.models import Payment, PaymentStatus, Refund, RefundReason, StripeEvent
from payments.signals import payment_succeeded
from tests.bookings.helpers import book
from tests.conftest import assert_problem
from tests.fakes.stripe_server import FakeStripe, signature_for, signed_webhook, stripe_event
from tests.payments.helpers import card_booking, get_booking, only_payment, pay


def test_the_same_webhook_three_times_counts_one_payment(api: Any, stripe_fake: FakeStripe) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    received = []

    def listen(sender: Any, payment: Any, **kwargs: Any) -> None:
        received.append(payment.pk)

    payment_succeeded.connect(listen, weak=False)
    try:
        answers = [
            pay(api, stripe_fake, payment, event_id="evt_same").json()["status"] for _ in range(3)
        ]
    finally:
        payment_succeeded.disconnect(listen)  # the apps' own receivers stay
    assert answers == ["processed", "duplicate", "duplicate"]
    assert received == [payment.pk]
    assert StripeEvent.objects.get().stripe_id == "evt_same"
    booking = get_booking(api, body)
    assert booking["status"] == "confirmed"
    assert booking["amount_paid_cents"] == body["price"]["deposit_cents"]
    assert Payment.objects.filter(status=PaymentStatus.SUCCEEDED).count() == 1


EVENTS_OF_ONE_PAYMENT = ["completed", "completed_redelivered", "expired_late", "async_succeeded"]


@pytest.mark.parametrize("order", list(itertools.permutations(EVENTS_OF_ONE_PAYMENT, 3)))
def test_the_events_of_one_payment_in_any_order_give_the_same_end_state(
    api: Any, stripe_fake: FakeStripe, order: tuple[str, ...]
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    session_id = payment.stripe_checkout_session_id
    events = {
        "completed": stripe_event("checkout.session.completed", {}, "evt_completed"),
        "completed_redelivered": stripe_event("checkout.session.completed", {}, "evt_completed"),
        "expired_late": stripe_event("checkout.session.expired", {}),
        "async_succeeded": stripe_event("checkout.session.async_payment_succeeded", {}),
    }
    paid = stripe_fake.completed_session(session_id)
    for name in ("completed", "completed_redelivered", "async_succeeded"):
        events[name]["data"]["object"] = paid
    events["expired_late"]["data"]["object"] = stripe_fake.expired_session(session_id)
    for name in order:
        assert signed_webhook(api, events[name]).status_code == 200
    payment.refresh_from_db()
    succeeded = any(name != "expired_late" for name in order)
    assert succeeded
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.stripe_payment_intent_id == paid["payment_intent"]
    booking = get_booking(api, body)
    assert booking["status"] == "confirmed"
    assert booking["amount_paid_cents"] == body["price"]["deposit_cents"]
    assert Payment.objects.count() == 1
    assert not Refund.objects.exists()


def test_an_unpaid_completed_session_waits_for_the_async_payment(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    session = stripe_fake.completed_session(payment.stripe_checkout_session_id, "unpaid")
    assert (
        signed_webhook(api, stripe_event("checkout.session.completed", session)).status_code == 200
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROCESSING
    assert get_booking(api, body)["status"] == "pending_payment"
    failed = stripe_event("checkout.session.async_payment_failed", session)
    assert signed_webhook(api, failed).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert get_booking(api, body)["amount_paid_cents"] == 0


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("wrong_secret", "invalid_signature"),
        ("stale", "invalid_signature"),
        ("unsigned", "invalid_signature"),
        ("garbage_signature", "invalid_signature"),
        ("tampered", "invalid_signature"),
        ("not_json", "invalid_payload"),
        ("not_an_event", "invalid_payload"),
    ],
)
def test_bad_webhooks_are_400_and_change_nothing(
    api: Any, stripe_fake: FakeStripe, case: str, code: str
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    event = stripe_event(
        "checkout.session.completed",
        stripe_fake.completed_session(payment.stripe_checkout_session_id),
    )
    calls = len(stripe_fake.requests)
    if case == "wrong_secret":
        response = signed_webhook(api, event, secret="whsec_someone_else")
    elif case == "stale":
        response = signed_webhook(api, event, timestamp=int(time.time()) - 600)
    elif case == "unsigned":
        response = signed_webhook(api, event, signature="")
    elif case == "garbage_signature":
        response = signed_webhook(api, event, signature="t=1,v1=deadbeef")
    elif case == "tampered":
        header = signature_for(json.dumps(event))
        event["data"]["object"]["amount_total"] = 1
        response = signed_webhook(api, event, signature=header)
    elif case == "not_json":
        response = signed_webhook(api, "this is not json{")
    else:
        response = signed_webhook(api, json.dumps({"hello": "world"}))
    assert_problem(response, 400, code)
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    assert Booking.objects.get().status == "pending_payment"
    assert len(stripe_fake.requests) == calls


def test_without_a_webhook_secret_every_webhook_is_refused(
    api: Any, stripe_fake: FakeStripe, settings: Any
) -> None:
    settings.STRIPE_WEBHOOK_SECRET = ""
    event = stripe_event("checkout.session.completed", {"id": "cs_x"})
    assert_problem(signed_webhook(api, event, secret=""), 400, "invalid_signature")
    assert not StripeEvent.objects.exists()


def test_unknown_event_types_are_recorded_as_ignored(api: Any, stripe_fake: FakeStripe) -> None:
    body = card_booking(api)
    response = signed_webhook(api, stripe_event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert StripeEvent.objects.get().status == "ignored"
    assert only_payment(body["reference"]).status == PaymentStatus.PENDING


def test_a_session_that_is_not_ours_is_ignored(api: Any, stripe_fake: FakeStripe) -> None:
    session = {"id": "cs_elsewhere", "payment_status": "paid", "metadata": {}}
    response = signed_webhook(api, stripe_event("checkout.session.completed", session))
    assert response.json()["status"] == "ignored"


def test_a_database_error_answers_5xx_and_the_retry_applies_the_event(
    api: Any, stripe_fake: FakeStripe, monkeypatch: Any
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    event = stripe_event(
        "checkout.session.completed",
        stripe_fake.completed_session(payment.stripe_checkout_session_id),
    )

    def unavailable(**kwargs: Any) -> Any:
        raise OperationalError("the database is restarting")

    original = payment_services.payment_succeed
    monkeypatch.setattr(payment_services, "payment_succeed", unavailable)
    api.raise_request_exception = False
    response = signed_webhook(api, event)
    assert response.status_code == 503  # Stripe retries any 5xx; 503 says "come back"
    assert response["Retry-After"]
    assert not StripeEvent.objects.exists()
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING

    monkeypatch.setattr(payment_services, "payment_succeed", original)
    assert signed_webhook(api, event).json()["status"] == "processed"
    assert get_booking(api, body)["status"] == "confirmed"


def test_a_late_payment_with_the_seats_gone_is_refunded_in_full_and_the_group_told(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, capacity=20, participants=20)
    payment = only_payment(body["reference"])
    Booking.objects.filter(reference=body["reference"]).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    other = book(api, Booking.objects.get().departure, participants=20)
    assert other.status_code == 201
    mail.outbox.clear()
    pay(api, stripe_fake, payment)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount_cents) == (payment.pk, payment.amount_cents)
    assert refund.reason == RefundReason.LATE_PAYMENT
    [call] = stripe_fake.calls("/v1/refunds")
    assert call.idempotency_key == f"refund:{refund.pk}"
    assert call.form["payment_intent"] == payment.stripe_payment_intent_id
    assert call.form["amount"] == str(payment.amount_cents)
    refund.refresh_from_db()
    assert refund.stripe_refund_id in stripe_fake.refunds
    assert Booking.objects.get(reference=body["reference"]).status == "pending_payment"
    assert not Invoice.objects.exists()  # money given back in full is no sale
    [message] = mail.outbox
    assert body["reference"] in message.subject
    assert "rembours" in message.subject
    assert message.to == ["claire@example.org"]

    stripe_refund = stripe_fake.refund_object(refund.stripe_refund_id)
    assert signed_webhook(api, stripe_event("refund.updated", stripe_refund)).status_code == 200
    after = get_booking(api, body)
    assert after["amount_paid_cents"] == 0
    assert after["amount_refunded_cents"] == payment.amount_cents


def test_a_late_payment_with_the_seats_still_free_confirms(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, capacity=20, participants=20)
    Booking.objects.filter(reference=body["reference"]).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    pay(api, stripe_fake, only_payment(body["reference"]))
    assert get_booking(api, body)["status"] == "confirmed"
    assert not Refund.objects.exists()
    assert stripe_fake.calls("/v1/refunds") == []


def test_a_payment_on_a_cancelled_booking_is_refunded(api: Any, stripe_fake: FakeStripe) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    cancel = api.post(
        f"/api/v1/bookings/{body['reference']}/cancel/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert cancel.json()["refund_cents"] == 0
    pay(api, stripe_fake, payment)
    refund = Refund.objects.get()
    assert refund.amount_cents == payment.amount_cents
    assert len(stripe_fake.calls("/v1/refunds")) == 1


def test_a_dispute_is_flagged_on_the_payment(api: Any, stripe_fake: FakeStripe) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    payment.refresh_from_db()
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "payment_intent": payment.stripe_payment_intent_id,
    }
    assert signed_webhook(api, stripe_event("charge.dispute.created", dispute)).json() == {
        "received": True,
        "status": "processed",
    }
    payment.refresh_from_db()
    assert payment.disputed_at is not None
    assert payment.status == PaymentStatus.SUCCEEDED
