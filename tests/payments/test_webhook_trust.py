"""A signed event is Stripe's word, not a licence: an event whose amount or currency differs
from the payment's, or whose object has no id, is stored as ``failed`` with the reason, the
payment is left untouched, and the office is alerted in the log and in the admin."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from bookings.models import Booking, BookingStatus
from payments import errors
from payments.models import Payment, PaymentStatus, Refund, RefundStatus, StripeEvent
from tests.factories import UserFactory
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event
from tests.payments.helpers import card_booking, get_booking, only_payment, pay


def _assert_refused(
    response: Any, code: str, caplog: pytest.LogCaptureFixture, event_id: str
) -> StripeEvent:
    assert response.status_code == 200, response.content  # stored: Stripe need not retry it
    assert response.json() == {"received": True, "status": "failed"}
    record = StripeEvent.objects.get(stripe_id=event_id)
    assert record.status == "failed"
    assert record.error.startswith(f"{code}: ")
    alerts = [
        r for r in caplog.records if r.levelno >= logging.ERROR and event_id in r.getMessage()
    ]
    assert alerts and code in alerts[0].getMessage()
    assert "whsec_" not in caplog.text
    client = Client()
    client.force_login(UserFactory(username="office", is_staff=True, is_superuser=True))
    listed = client.get("/admin/payments/stripeevent/", {"status__exact": "failed"})
    assert listed.status_code == 200
    assert event_id in listed.content.decode() and code in listed.content.decode()
    return record


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("amount_total", 100, errors.AMOUNT_MISMATCH),
        ("amount_total", None, errors.AMOUNT_MISMATCH),
        ("currency", "usd", errors.CURRENCY_MISMATCH),
    ],
)
def test_a_paid_session_with_another_amount_or_currency_is_refused(
    api: Any,
    stripe_fake: FakeStripe,
    caplog: pytest.LogCaptureFixture,
    field: str,
    value: Any,
    code: str,
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    assert payment.stripe_checkout_session_id is not None
    session = stripe_fake.completed_session(payment.stripe_checkout_session_id)
    session[field] = value
    event = stripe_event("checkout.session.completed", session)

    with caplog.at_level(logging.WARNING):
        response = signed_webhook(api, event)

    _assert_refused(response, code, caplog, event["id"])
    payment.refresh_from_db()
    assert (payment.status, payment.paid_at) == (PaymentStatus.PENDING, None)
    booking = get_booking(api, body)
    assert (booking["status"], booking["amount_paid_cents"]) == ("pending_payment", 0)
    # The real event, with the session's own amount, is still applied when it comes.
    pay(api, stripe_fake, payment)
    assert get_booking(api, body)["status"] == "confirmed"


def test_a_session_without_an_id_matches_no_payment(
    api: Any, stripe_fake: FakeStripe, caplog: pytest.LogCaptureFixture
) -> None:
    stripe_fake.fail_next(1)  # Stripe down: the payment row never got a session id
    body = card_booking(api)
    payment = Payment.objects.get(booking__reference=body["reference"])
    assert (payment.status, payment.stripe_checkout_session_id) == (PaymentStatus.FAILED, None)
    session = {
        "object": "checkout.session",
        "payment_status": "paid",
        "amount_total": payment.amount_cents,
        "currency": "eur",
        "payment_intent": "pi_forged",
        "metadata": {},
    }
    event = stripe_event("checkout.session.completed", session)

    with caplog.at_level(logging.WARNING):
        response = signed_webhook(api, event)

    _assert_refused(response, errors.OBJECT_WITHOUT_ID, caplog, event["id"])
    payment.refresh_from_db()
    assert (payment.status, payment.stripe_payment_intent_id) == (PaymentStatus.FAILED, None)
    assert Booking.objects.get().status == BookingStatus.PENDING_PAYMENT


def test_a_refund_without_an_id_does_not_settle_a_refund_not_yet_sent(
    api: Any, stripe_fake: FakeStripe, caplog: pytest.LogCaptureFixture
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    payment.refresh_from_db()
    stripe_fake.fail_next(1)  # the cancellation's refund could not be sent yet
    cancel = api.post(
        f"/api/v1/bookings/{body['reference']}/cancel/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert cancel.status_code == 200, cancel.content
    refund = Refund.objects.get()
    assert (refund.status, refund.stripe_refund_id) == (RefundStatus.PENDING, None)
    forged = {
        "object": "refund",
        "amount": refund.amount_cents,
        "currency": "eur",
        "payment_intent": payment.stripe_payment_intent_id,
        "status": "succeeded",
        "metadata": {},
    }
    event = stripe_event("refund.updated", forged)

    with caplog.at_level(logging.WARNING):
        response = signed_webhook(api, event)

    _assert_refused(response, errors.OBJECT_WITHOUT_ID, caplog, event["id"])
    refund.refresh_from_db()
    assert (refund.status, refund.stripe_refund_id) == (RefundStatus.PENDING, None)
    assert get_booking(api, body)["amount_paid_cents"] == payment.amount_cents


def test_a_session_naming_a_payment_that_has_another_session_is_refused(
    api: Any, stripe_fake: FakeStripe, caplog: pytest.LogCaptureFixture
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    session = stripe_fake.completed_session(payment.stripe_checkout_session_id)
    session["id"] = "cs_another_session"  # its metadata still names our payment
    event = stripe_event("checkout.session.completed", session)

    with caplog.at_level(logging.WARNING):
        response = signed_webhook(api, event)

    _assert_refused(response, errors.SESSION_MISMATCH, caplog, event["id"])
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
