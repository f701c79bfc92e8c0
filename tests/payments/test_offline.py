"""Offline payments recorded by staff: transfers, administrative mandates, cheques."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from payments import errors
from payments.models import Payment, Refund, RefundStatus
from payments.refunds import refund_mark_paid
from payments.services import Actor
from payments.signals import payment_succeeded
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem


@pytest.fixture
def invoice_booking(api: Any) -> dict[str, Any]:
    response = book(api, bookable_departure(days=40))
    assert response.status_code == 201
    return response.json()


def _record(client: Any, booking_ref: str, **overrides: Any) -> Any:
    body = {
        "method": "administrative_mandate",
        "amount_cents": 1000,
        "date": timezone.localdate().isoformat(),
        "reference": "MANDAT-2026-17",
    }
    body.update(overrides)
    return client.post(f"/api/v1/bookings/{booking_ref}/payments/", body, format="json")


def test_staff_record_a_mandate_and_the_booking_shows_paid_and_due(
    staff_api: Any, invoice_booking: dict[str, Any]
) -> None:
    reference = invoice_booking["reference"]
    total = invoice_booking["price"]["total_cents"]
    announced = []

    def listen(sender: Any, payment: Any, **kwargs: Any) -> None:
        announced.append(payment)

    payment_succeeded.connect(listen, weak=False)
    try:
        response = _record(staff_api, reference, amount_cents=total - 500)
    finally:
        payment_succeeded.disconnect(listen)  # the apps' own receivers stay
    assert response.status_code == 201, response.content
    payment = response.json()
    assert payment["method"] == "administrative_mandate"
    assert (payment["kind"], payment["status"], payment["amount_cents"]) == (
        "deposit",
        "succeeded",
        total - 500,
    )
    assert [p.pk for p in announced] == [payment["id"]]
    booking = staff_api.get(f"/api/v1/bookings/{reference}/").json()
    assert booking["status"] == "requested"  # staff still confirm a request themselves
    assert (booking["amount_paid_cents"], booking["amount_due_cents"]) == (total - 500, 500)

    balance = _record(staff_api, reference, method="bank_transfer", amount_cents=500)
    assert balance.json()["kind"] == "balance"
    listed = staff_api.get(f"/api/v1/bookings/{reference}/payments/").json()
    assert [row["amount_cents"] for row in listed] == [total - 500, 500]
    assert staff_api.post(f"/api/v1/bookings/{reference}/confirm/").json()["status"] == "confirmed"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"amount_cents": 0}, 400, errors.AMOUNT_NOT_POSITIVE, "amount_cents"),
        ({"amount_cents": -100}, 400, errors.AMOUNT_NOT_POSITIVE, "amount_cents"),
        ({"amount_cents": 10**7}, 400, errors.OVERPAYMENT, "amount_cents"),
        ({"amount_cents": "ten"}, 400, "validation_error", "amount_cents"),
        ({"method": "card"}, 400, "validation_error", "method"),
        ({"method": "bitcoin"}, 400, "validation_error", "method"),
        ({"date": "tomorrow"}, 400, "validation_error", "date"),
        ({"date": "2999-01-01"}, 400, errors.PAYMENT_DATE_IN_FUTURE, "date"),
    ],
)
def test_bad_offline_payments_are_refused_and_nothing_is_written(
    staff_api: Any,
    invoice_booking: dict[str, Any],
    overrides: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    assert_problem(
        _record(staff_api, invoice_booking["reference"], **overrides), status, code, field
    )
    assert not Payment.objects.exists()


def test_over_payment_counts_what_was_already_paid(
    staff_api: Any, invoice_booking: dict[str, Any]
) -> None:
    reference = invoice_booking["reference"]
    total = invoice_booking["price"]["total_cents"]
    assert _record(staff_api, reference, amount_cents=total - 1).status_code == 201
    problem = assert_problem(
        _record(staff_api, reference, amount_cents=2, reference="second"),
        400,
        errors.OVERPAYMENT,
        "amount_cents",
    )
    assert problem["amount_due_cents"] == 1
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("language", "due"), [("fr", "Il ne reste que 0,01\u00a0€"), ("en", "Only €0.01 remain")]
)
def test_the_amount_left_due_is_written_for_the_reader(
    staff_api: Any, invoice_booking: dict[str, Any], language: str, due: str
) -> None:
    reference = invoice_booking["reference"]
    total = invoice_booking["price"]["total_cents"]
    assert _record(staff_api, reference, amount_cents=total - 1).status_code == 201
    staff_api.credentials(HTTP_ACCEPT_LANGUAGE=language)
    problem = assert_problem(
        _record(staff_api, reference, amount_cents=2, reference="second"),
        400,
        errors.OVERPAYMENT,
        "amount_cents",
    )
    assert due in problem["detail"]


def test_the_same_reference_twice_is_a_conflict(
    staff_api: Any, invoice_booking: dict[str, Any]
) -> None:
    reference = invoice_booking["reference"]
    assert _record(staff_api, reference).status_code == 201
    assert_problem(_record(staff_api, reference), 409, errors.DUPLICATE_PAYMENT_REFERENCE)
    assert Payment.objects.count() == 1


def test_groups_and_strangers_cannot_record_payments(
    api: Any, invoice_booking: dict[str, Any]
) -> None:
    reference = invoice_booking["reference"]
    api.credentials(HTTP_X_BOOKING_TOKEN=invoice_booking["token"])
    response = _record(api, reference)
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/problem+json")
    assert not Payment.objects.exists()


def test_a_cancelled_booking_cannot_be_paid(
    staff_api: Any, invoice_booking: dict[str, Any]
) -> None:
    reference = invoice_booking["reference"]
    assert staff_api.post(f"/api/v1/bookings/{reference}/cancel/").status_code == 200
    assert_problem(_record(staff_api, reference), 409, errors.BOOKING_NOT_PAYABLE, "status")


def test_cancelling_an_offline_paid_booking_owes_the_refund_until_staff_pay_it_back(
    staff_api: Any, invoice_booking: dict[str, Any], staff: Any, stripe_fake: Any
) -> None:
    reference = invoice_booking["reference"]
    total = invoice_booking["price"]["total_cents"]
    assert _record(staff_api, reference, amount_cents=total).status_code == 201
    staff_api.post(f"/api/v1/bookings/{reference}/confirm/")
    cancel = staff_api.post(f"/api/v1/bookings/{reference}/cancel/").json()
    assert cancel["refund_cents"] == total  # 40 days ahead: the 100 % tier
    refund = Refund.objects.get()
    assert (refund.status, refund.amount_cents) == (RefundStatus.OWED, total)
    assert stripe_fake.requests == []  # offline money is not refunded through Stripe
    booking = staff_api.get(f"/api/v1/bookings/{reference}/").json()
    assert booking["amount_refund_pending_cents"] == total
    assert booking["amount_paid_cents"] == total

    refund_mark_paid(refund=refund, actor=Actor.staff(staff))
    booking = staff_api.get(f"/api/v1/bookings/{reference}/").json()
    assert (booking["amount_paid_cents"], booking["amount_refunded_cents"]) == (0, total)


def test_payment_date_in_the_past_is_kept(staff_api: Any, invoice_booking: dict[str, Any]) -> None:
    day = timezone.localdate() - timedelta(days=3)
    response = _record(staff_api, invoice_booking["reference"], date=day.isoformat())
    assert timezone.localtime(Payment.objects.get().paid_at).date() == day
    assert response.status_code == 201
