"""The admin: read-only rows; an offline payment and refunds go through the services."""

from __future__ import annotations

from typing import Any

from django.test import Client, TestCase
from django.utils import timezone

from payments.models import Payment, Refund, RefundStatus
from tests.bookings.helpers import book, bookable_departure
from tests.factories import UserFactory
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import card_booking, only_payment, pay


def _admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_admin_records_an_offline_payment_through_the_service(api: Any) -> None:
    body = book(api, bookable_departure()).json()
    client = _admin_client()
    assert client.get("/admin/payments/payment/record-offline/").status_code == 200
    form = {
        "booking": body["reference"],
        "method": "cheque",
        "amount": f"{(body['price']['total_cents'] + 1) / 100:.2f}".replace(".", ","),
        "confirm_mismatch": "on",
        "date": timezone.localdate().isoformat(),
        "reference": "CHQ-1",
    }
    refused = client.post("/admin/payments/payment/record-offline/", form)
    assert refused.status_code == 200 and not Payment.objects.exists()
    form["amount"] = "50,00"
    response = client.post("/admin/payments/payment/record-offline/", form)
    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.method, payment.amount_cents, payment.reference) == ("cheque", 5000, "CHQ-1")
    assert client.get("/admin/payments/payment/").status_code == 200
    assert client.get(f"/admin/payments/payment/{payment.pk}/change/").status_code == 200
    assert client.get("/admin/payments/payment/add/").status_code == 403


def test_admin_refund_action_refunds_the_rest_through_stripe(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api)
    payment = only_payment(body["reference"])
    pay(api, stripe_fake, payment)
    client = _admin_client()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            "/admin/payments/payment/",
            {"action": "refund_in_full", "_selected_action": [payment.pk]},
        )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert refund.amount_cents == payment.amount_cents
    assert refund.status == RefundStatus.PENDING and refund.stripe_refund_id
    assert len(stripe_fake.calls("/v1/refunds")) == 1
    assert client.get("/admin/payments/refund/").status_code == 200
    assert client.get("/admin/payments/stripeevent/").status_code == 200
