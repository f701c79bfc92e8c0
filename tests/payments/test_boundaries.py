"""The Stripe boundary: no Stripe call is ever made inside a database transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from payments import stripe_gateway
from payments.models import Payment, Refund
from tests.bookings.helpers import book, bookable_departure
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import pay

pytestmark = pytest.mark.django_db(transaction=True)


def test_checkout_and_refunds_call_stripe_outside_any_transaction(
    stripe_fake: FakeStripe, monkeypatch: Any
) -> None:
    seen: list[tuple[str, bool]] = []
    for name in ("create_checkout_session", "create_refund"):
        original = getattr(stripe_gateway, name)

        def spy(*args: Any, _name: str = name, _original: Any = original, **kwargs: Any) -> Any:
            seen.append((_name, connection.in_atomic_block))
            return _original(*args, **kwargs)

        monkeypatch.setattr(stripe_gateway, name, spy)

    api = APIClient()
    body = book(api, bookable_departure(days=40), payment_method="card", billing={}).json()
    pay(api, stripe_fake, Payment.objects.get())
    cancel = api.post(
        f"/api/v1/bookings/{body['reference']}/cancel/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert cancel.status_code == 200
    assert Refund.objects.get().stripe_refund_id is not None
    assert seen == [("create_checkout_session", False), ("create_refund", False)]
