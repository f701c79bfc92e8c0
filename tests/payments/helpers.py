"""Builders and checks shared by the payments tests."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum

from bookings.models import Booking
from payments.models import LIVE_REFUND_STATUSES, Payment, PaymentStatus, Refund, RefundStatus
from tests.bookings.helpers import book, bookable_departure
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event


def assert_money_invariant() -> None:
    """For every booking: refunds never exceed payments, and amount_paid_cents is exact."""
    for booking in Booking.objects.all():
        paid = (
            Payment.objects.filter(booking=booking, status=PaymentStatus.SUCCEEDED).aggregate(
                total=Sum("amount_cents")
            )["total"]
            or 0
        )
        refunded = (
            Refund.objects.filter(
                payment__booking=booking, status=RefundStatus.SUCCEEDED
            ).aggregate(total=Sum("amount_cents"))["total"]
            or 0
        )
        assert refunded <= paid, (booking.reference, paid, refunded)
        assert booking.amount_paid_cents == paid - refunded, booking.reference
    for payment in Payment.objects.all():
        live = (
            payment.refunds.filter(status__in=LIVE_REFUND_STATUSES).aggregate(
                total=Sum("amount_cents")
            )["total"]
            or 0
        )
        assert payment.refunded_cents == live <= payment.amount_cents, payment.pk
        if payment.status != PaymentStatus.SUCCEEDED:
            assert live == 0, payment.pk


def card_booking(api: Any, *, days: int = 40, capacity: int = 30, **overrides: Any) -> dict:
    departure = bookable_departure(days=days, capacity=capacity)
    response = book(api, departure, payment_method="card", billing={}, **overrides)
    assert response.status_code == 201, response.content
    return response.json()


def only_payment(reference: str) -> Payment:
    return Payment.objects.get(booking__reference=reference, status=PaymentStatus.PENDING)


def pay(api: Any, fake: FakeStripe, payment: Payment, event_id: str | None = None) -> Any:
    """Stripe reports the payment's Checkout Session as paid."""
    assert payment.stripe_checkout_session_id is not None
    event = stripe_event(
        "checkout.session.completed",
        fake.completed_session(payment.stripe_checkout_session_id),
        event_id,
    )
    response = signed_webhook(api, event)
    assert response.status_code == 200, response.content
    return response


def get_booking(api: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = api.get(f"/api/v1/bookings/{body['reference']}/", HTTP_X_BOOKING_TOKEN=body["token"])
    assert response.status_code == 200, response.content
    return response.json()
