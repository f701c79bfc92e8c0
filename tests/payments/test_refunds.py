"""Cancellation refunds: per policy, through Stripe for cards, owed for offline payments."""

from __future__ import annotations

from typing import Any

import pytest

from payments.models import Payment, PaymentKind, PaymentStatus, Refund, RefundReason, RefundStatus
from payments.refunds import refund_create, refund_execute, refunds_retry
from payments.services import SYSTEM
from payments.signals import refund_succeeded
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event
from tests.payments.helpers import (
    assert_money_invariant,
    card_booking,
    get_booking,
    only_payment,
    pay,
)


def _paid_then_cancelled(api: Any, fake: FakeStripe, days: int) -> tuple[dict, Payment, Any]:
    body = card_booking(api, days=days)
    payment = only_payment(body["reference"])
    pay(api, fake, payment)
    payment.refresh_from_db()
    cancel = api.post(
        f"/api/v1/bookings/{body['reference']}/cancel/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert cancel.status_code == 200, cancel.content
    return body, payment, cancel.json()


@pytest.mark.parametrize("reconcile_by", ["refund.updated", "charge.refunded", "both"])
def test_cancellation_refunds_per_policy_and_the_webhook_reconciles(
    api: Any, stripe_fake: FakeStripe, reconcile_by: str
) -> None:
    body, payment, cancel = _paid_then_cancelled(api, stripe_fake, days=20)  # 50 % tier
    total = body["price"]["total_cents"]
    assert (cancel["refund_percent"], cancel["refund_cents"]) == (50, (total + 1) // 2)
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.status) == (cancel["refund_cents"], RefundStatus.PENDING)
    [call] = stripe_fake.calls("/v1/refunds")
    assert call.idempotency_key == f"refund:{refund.pk}"
    assert call.form["amount"] == str(refund.amount_cents)
    assert call.form["payment_intent"] == payment.stripe_payment_intent_id
    pending = get_booking(api, body)
    assert pending["amount_paid_cents"] == total
    assert pending["amount_refund_pending_cents"] == refund.amount_cents

    announced = []

    def listen(sender: Any, refund: Refund, **kwargs: Any) -> None:
        announced.append(refund.pk)

    refund_succeeded.connect(listen, weak=False)
    try:
        charge = stripe_event(
            "charge.refunded",
            stripe_fake.charge_refunded(
                payment.stripe_payment_intent_id, total, refund.amount_cents
            ),
        )
        refund.refresh_from_db()
        updated = stripe_event("refund.updated", stripe_fake.refund_object(refund.stripe_refund_id))
        events = {"refund.updated": [updated], "charge.refunded": [charge]}.get(
            reconcile_by, [charge, updated, charge]
        )
        for event in events:
            assert signed_webhook(api, event).status_code == 200
    finally:
        refund_succeeded.disconnect(listen)  # the apps' own receivers stay
    assert announced == [refund.pk]
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED
    after = get_booking(api, body)
    assert after["status"] == "cancelled"
    assert after["amount_paid_cents"] == total - refund.amount_cents
    assert after["amount_refunded_cents"] == refund.amount_cents
    assert after["amount_refund_pending_cents"] == 0
    assert len(stripe_fake.calls("/v1/refunds")) == 1


def test_a_refund_stripe_answers_succeeded_at_once_needs_no_webhook(
    api: Any, stripe_fake: FakeStripe
) -> None:
    stripe_fake.refund_status = "succeeded"
    body, _payment, cancel = _paid_then_cancelled(api, stripe_fake, days=40)
    assert cancel["refund_percent"] == 100
    assert get_booking(api, body)["amount_paid_cents"] == 0
    assert Refund.objects.get().status == RefundStatus.SUCCEEDED


def test_a_refund_that_fails_gives_the_amount_back_to_the_booking(
    api: Any, stripe_fake: FakeStripe
) -> None:
    stripe_fake.refund_status = "succeeded"
    body, payment, _cancel = _paid_then_cancelled(api, stripe_fake, days=40)
    refund = Refund.objects.get()
    failed = stripe_event(
        "refund.failed", stripe_fake.refund_object(refund.stripe_refund_id, "failed")
    )
    assert signed_webhook(api, failed).status_code == 200
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == RefundStatus.FAILED
    assert payment.refunded_cents == 0
    assert get_booking(api, body)["amount_paid_cents"] == payment.amount_cents


def test_stripe_down_leaves_the_refund_pending_and_the_retry_sends_the_same_key(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=40)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    stripe_fake.fail_next(1)
    api.post(f"/api/v1/bookings/{body['reference']}/cancel/", HTTP_X_BOOKING_TOKEN=body["token"])
    refund = Refund.objects.get()
    assert (refund.status, refund.stripe_refund_id) == (RefundStatus.PENDING, None)
    assert refunds_retry(older_than=__import__("datetime").timedelta(0)) == 1
    refund.refresh_from_db()
    assert refund.stripe_refund_id is not None
    keys = [call.idempotency_key for call in stripe_fake.calls("/v1/refunds")]
    assert keys == [f"refund:{refund.pk}", f"refund:{refund.pk}"]
    refund_execute(refund_id=refund.pk)  # already sent: no new call
    assert len(stripe_fake.calls("/v1/refunds")) == 2


def test_a_second_cancellation_signal_refunds_nothing_more(
    api: Any, stripe_fake: FakeStripe
) -> None:
    from payments.refunds import refunds_for_cancellation

    _body, payment, cancel = _paid_then_cancelled(api, stripe_fake, days=40)
    assert (
        refunds_for_cancellation(booking_id=payment.booking_id, refund_cents=cancel["refund_cents"])
        == []
    )
    assert Refund.objects.count() == 1


def test_refunds_never_exceed_the_payment(api: Any, stripe_fake: FakeStripe) -> None:
    from core.errors import DomainError
    from payments import errors

    body = card_booking(api, days=40)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    payment.refresh_from_db()
    refund_create(
        payment=payment, amount_cents=payment.amount_cents - 100, reason="staff", actor=SYSTEM
    )
    with pytest.raises(DomainError) as refused:
        refund_create(payment=payment, amount_cents=101, reason="staff", actor=SYSTEM)
    assert refused.value.code == errors.REFUND_EXCEEDS_PAYMENT
    for amount in (0, -5):
        with pytest.raises(DomainError) as refused:
            refund_create(payment=payment, amount_cents=amount, reason="staff", actor=SYSTEM)
        assert refused.value.code == errors.AMOUNT_NOT_POSITIVE
    payment.refresh_from_db()
    assert payment.refunded_cents == payment.amount_cents - 100


def test_the_database_refuses_refunds_beyond_the_payment(api: Any, stripe_fake: FakeStripe) -> None:
    from django.db import IntegrityError, transaction

    body = card_booking(api, days=40)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(refunded_cents=payment.amount_cents + 1)
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.SUCCEEDED


def test_a_smaller_group_after_paying_in_full_gets_the_difference_back(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=20)  # close enough to pay the full price at once
    payment = only_payment(body["reference"])
    assert payment.kind == PaymentKind.FULL
    pay(api, stripe_fake, payment)
    url = f"/api/v1/bookings/{body['reference']}/"
    changed = api.patch(
        url, {"participants": 10}, format="json", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert changed.status_code == 200, changed.content
    new_total = changed.json()["price"]["total_cents"]
    excess = body["price"]["total_cents"] - new_total
    assert excess > 0
    refund = Refund.objects.get()
    assert (refund.reason, refund.amount_cents) == (RefundReason.OVERPAYMENT, excess)
    [call] = stripe_fake.calls("/v1/refunds")
    assert call.form["amount"] == str(excess)
    refund.refresh_from_db()
    update = stripe_event("refund.updated", stripe_fake.refund_object(refund.stripe_refund_id))
    assert signed_webhook(api, update).status_code == 200
    after = get_booking(api, body)
    assert (after["amount_paid_cents"], after["amount_refunded_cents"]) == (new_total, excess)
    # The same head count again changes nothing and refunds nothing more.
    again = api.patch(url, {"participants": 10}, format="json", HTTP_X_BOOKING_TOKEN=body["token"])
    assert again.status_code == 200
    assert Refund.objects.count() == 1
    assert_money_invariant()


def test_a_cancellation_whose_process_dies_after_commit_is_refunded_by_the_sweep(
    api: Any, stripe_fake: FakeStripe
) -> None:
    from django.test import TestCase

    from bookings import services as booking_services
    from bookings.models import Booking
    from core.models import Consequence
    from core.tasks import sweep_consequences

    body = card_booking(api, days=40)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    booking = Booking.objects.get(reference=body["reference"])
    with TestCase.captureOnCommitCallbacks(execute=False):  # committed; nothing after it ran
        booking_services.booking_cancel(booking=booking, actor=booking_services.Actor.group())
    assert not Refund.objects.exists()
    assert Consequence.objects.filter(done_at__isnull=True).count() == 2  # refund, credit note
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sweep_consequences.apply().get() == 2
    refund = Refund.objects.get()
    assert (refund.amount_cents, refund.reason) == (payment.amount_cents, RefundReason.CANCELLATION)
    assert refund.stripe_refund_id is not None  # sent to Stripe by its own task
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert sweep_consequences.apply().get() == 0
    assert Refund.objects.count() == 1
    assert len(stripe_fake.calls("/v1/refunds")) == 1


def test_a_broker_outage_still_refunds_a_cancellation(
    api: Any, stripe_fake: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    from celery.app.task import Task
    from kombu.exceptions import OperationalError

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    body = card_booking(api, days=40)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    monkeypatch.setattr(Task, "apply_async", broker_down)
    cancel = api.post(
        f"/api/v1/bookings/{body['reference']}/cancel/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert cancel.status_code == 200, cancel.content
    refund = Refund.objects.get()
    assert refund.amount_cents == payment.amount_cents
    assert refund.stripe_refund_id is not None
