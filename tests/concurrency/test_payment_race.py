"""Money races on PostgreSQL: concurrent payments never over-pay, duplicate webhooks count once."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from rest_framework.test import APIClient

from payments import errors, services
from payments.models import Payment, PaymentStatus, StripeEvent
from tests.bookings.helpers import book, bookable_departure
from tests.concurrency.conftest import run_in_threads
from tests.factories import StaffFactory
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event
from tests.payments.helpers import assert_money_invariant

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def held_between_due_check_and_write(parties: int) -> Iterator[None]:
    """Without the locks every racer passes the check on the same amount due; with them the
    racers queue on the booking row and the barrier breaks after a second."""
    barrier = threading.Barrier(parties, timeout=1)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    services._after_due_check = wait
    try:
        yield
    finally:
        services._after_due_check = None


def _race_offline_payments(parties: int) -> tuple[int, int, list[Any]]:
    booking = book(APIClient(), bookable_departure()).json()
    total = booking["price"]["total_cents"]
    staff = StaffFactory(username="office-race")
    share = total * 4 // 10  # two of them fit, the third would over-pay

    def record(index: int) -> Any:
        def run() -> Any:
            client = APIClient()
            client.force_authenticate(staff)
            return client.post(
                f"/api/v1/bookings/{booking['reference']}/payments/",
                {
                    "method": "bank_transfer",
                    "amount_cents": share,
                    "date": timezone.localdate().isoformat(),
                    "reference": f"VIR-{index}",
                },
                format="json",
            )

        return run

    with held_between_due_check_and_write(parties):
        responses = run_in_threads([record(i) for i in range(parties)])
    paid = Payment.objects.filter(status=PaymentStatus.SUCCEEDED).aggregate(n=Sum("amount_cents"))
    return total, paid["n"] or 0, responses


def test_concurrent_offline_payments_never_over_pay() -> None:
    total, paid, responses = _race_offline_payments(5)
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 201, 400, 400, 400], codes
    assert all(r.json()["code"] == errors.OVERPAYMENT for r in responses if r.status_code == 400)
    assert paid <= total
    assert_money_invariant()


def test_negative_control_without_the_locks_concurrent_payments_over_pay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "_row_locks_enabled", False)
    total, paid, responses = _race_offline_payments(5)
    assert all(r.status_code == 201 for r in responses)
    assert paid > total


def test_the_same_webhook_delivered_concurrently_is_applied_once(
    stripe_fake: FakeStripe,
) -> None:
    created = book(APIClient(), bookable_departure(), payment_method="card", billing={}).json()
    payment = Payment.objects.get(booking__reference=created["reference"])
    event = stripe_event(
        "checkout.session.completed",
        stripe_fake.completed_session(payment.stripe_checkout_session_id),
    )
    responses = run_in_threads([lambda: signed_webhook(APIClient(), event)] * 6)
    statuses = sorted(r.json()["status"] for r in responses)
    assert statuses == ["duplicate"] * 5 + ["processed"], statuses
    assert StripeEvent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED
    assert_money_invariant()
