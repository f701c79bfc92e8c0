"""Card bookings through Stripe Checkout, over HTTP, against the loopback fake."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from bookings.models import Booking
from payments import errors
from payments.models import Payment, PaymentStatus
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import card_booking, get_booking, only_payment, pay


def test_card_booking_far_ahead_opens_a_checkout_for_the_deposit(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=40)
    assert body["status"] == "pending_payment"
    deposit = body["price"]["deposit_cents"]
    assert body["amount_due_now"] == {"amount_cents": deposit, "kind": "deposit"}
    assert body["amount_due_cents"] == body["price"]["total_cents"]
    assert body["checkout_url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert body["checkout_error"] is None
    [call] = stripe_fake.calls("/v1/checkout/sessions")
    assert stripe_fake.rejected == []
    assert call.idempotency_key == f"checkout:{body['reference']}:1"
    form = call.form
    assert form["mode"] == "payment"
    assert form["client_reference_id"] == body["reference"]
    assert form["metadata"]["booking_reference"] == body["reference"]
    assert form["payment_intent_data"]["metadata"]["booking_reference"] == body["reference"]
    assert form["cancel_url"] == f"{settings.SITE_URL}/bookings/{body['reference']}"
    assert "{CHECKOUT_SESSION_ID}" in form["success_url"]
    [line] = form["line_items"]
    assert line["quantity"] == "1"
    assert line["price_data"]["currency"] == "eur"
    assert line["price_data"]["unit_amount"] == str(deposit)
    assert line["price_data"]["product_data"]["name"].startswith("Acompte")
    hold = timezone.datetime.fromisoformat(body["hold_expires_at"])
    assert int(form["expires_at"]) >= int(hold.timestamp())
    payment = Payment.objects.get(booking__reference=body["reference"])
    assert (payment.kind, payment.amount_cents, payment.status) == ("deposit", deposit, "pending")


def test_card_booking_within_30_days_pays_everything_with_the_price_lines(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=20)
    total = body["price"]["total_cents"]
    assert body["amount_due_now"] == {"amount_cents": total, "kind": "full"}
    [call] = stripe_fake.calls("/v1/checkout/sessions")
    lines = call.form["line_items"]
    assert len(lines) == len(body["price"]["lines"]) == 2
    assert sum(int(line["price_data"]["unit_amount"]) for line in lines) == total


def test_paid_webhook_confirms_the_booking_and_the_balance_is_paid_later(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api, days=40)
    total, deposit = body["price"]["total_cents"], body["price"]["deposit_cents"]
    pay(api, stripe_fake, only_payment(body["reference"]))
    after_deposit = get_booking(api, body)
    assert after_deposit["status"] == "confirmed"
    assert after_deposit["amount_paid_cents"] == deposit
    assert after_deposit["amount_due_cents"] == total - deposit
    assert after_deposit["amount_due_now"] == {"amount_cents": total - deposit, "kind": "balance"}
    assert after_deposit["checkout_url"] is None

    url = f"/api/v1/bookings/{body['reference']}/checkout/"
    response = api.post(url, HTTP_X_BOOKING_TOKEN=body["token"])
    assert response.status_code == 200, response.content
    checkout = response.json()
    assert (checkout["amount_cents"], checkout["kind"]) == (total - deposit, "balance")
    second = stripe_fake.calls("/v1/checkout/sessions")[-1]
    assert second.idempotency_key == f"checkout:{body['reference']}:2"
    assert second.form["line_items"][0]["price_data"]["product_data"]["name"].startswith("Solde")
    assert get_booking(api, body)["checkout_url"] == checkout["checkout_url"]

    pay(api, stripe_fake, only_payment(body["reference"]))
    paid = get_booking(api, body)
    assert (paid["amount_paid_cents"], paid["amount_due_cents"]) == (total, 0)
    kinds = list(
        Payment.objects.filter(booking__reference=body["reference"]).values_list("kind", "status")
    )
    assert kinds == [("deposit", "succeeded"), ("balance", "succeeded")]
    response = api.post(url, HTTP_X_BOOKING_TOKEN=body["token"])
    assert_problem(response, 409, errors.NOTHING_DUE)
    assert stripe_fake.rejected == []


def test_checkout_again_while_a_session_is_open_reuses_it(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api)
    url = f"/api/v1/bookings/{body['reference']}/checkout/"
    response = api.post(url, HTTP_X_BOOKING_TOKEN=body["token"])
    assert response.json()["checkout_url"] == body["checkout_url"]
    assert len(stripe_fake.calls("/v1/checkout/sessions")) == 1


def test_after_an_expired_session_a_new_one_is_opened_while_the_hold_runs(
    api: Any, stripe_fake: FakeStripe
) -> None:
    from tests.fakes.stripe_server import signed_webhook, stripe_event

    body = card_booking(api)
    payment = only_payment(body["reference"])
    event = stripe_event(
        "checkout.session.expired", stripe_fake.expired_session(payment.stripe_checkout_session_id)
    )
    assert signed_webhook(api, event).status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert get_booking(api, body)["checkout_url"] is None
    response = api.post(
        f"/api/v1/bookings/{body['reference']}/checkout/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert response.status_code == 200, response.content
    assert response.json()["checkout_url"] != body["checkout_url"]
    assert stripe_fake.calls("/v1/checkout/sessions")[-1].idempotency_key.endswith(":2")


def test_stripe_down_keeps_the_booking_payable_later(api: Any, stripe_fake: FakeStripe) -> None:
    stripe_fake.fail_next(1)
    body = card_booking(api)
    assert body["status"] == "pending_payment"
    assert body["checkout_url"] is None
    assert body["checkout_error"]["code"] == errors.PAYMENT_PROVIDER_UNAVAILABLE
    assert Payment.objects.get().status == PaymentStatus.FAILED

    url = f"/api/v1/bookings/{body['reference']}/checkout/"
    stripe_fake.fail_next(1)
    response = api.post(url, HTTP_X_BOOKING_TOKEN=body["token"])
    problem = assert_problem(response, 503, errors.PAYMENT_PROVIDER_UNAVAILABLE)
    assert problem["reference"] == body["reference"]
    assert Booking.objects.get().status == "pending_payment"

    response = api.post(url, HTTP_X_BOOKING_TOKEN=body["token"])
    assert response.status_code == 200, response.content
    keys = [call.idempotency_key for call in stripe_fake.calls("/v1/checkout/sessions")]
    assert keys == [f"checkout:{body['reference']}:{n}" for n in (1, 2, 3)]
    pay(api, stripe_fake, only_payment(body["reference"]))
    assert get_booking(api, body)["status"] == "confirmed"


def test_stripe_timeout_is_a_503_and_changes_nothing(api: Any, stripe_fake: FakeStripe) -> None:
    body = card_booking(api)
    Payment.objects.update(status=PaymentStatus.EXPIRED)
    stripe_fake.hang(3)
    started = timezone.now()
    response = api.post(
        f"/api/v1/bookings/{body['reference']}/checkout/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert_problem(response, 503, errors.PAYMENT_PROVIDER_UNAVAILABLE)
    assert timezone.now() - started < timedelta(seconds=2.5)
    assert Booking.objects.get().status == "pending_payment"
    assert not Payment.objects.filter(status=PaymentStatus.SUCCEEDED).exists()


def test_without_stripe_keys_card_payment_is_refused_and_not_offered(api: Any) -> None:
    departure = bookable_departure()
    response = book(api, departure, payment_method="card", billing={})
    assert_problem(response, 400, errors.CARD_PAYMENTS_DISABLED, "payment_method")
    assert not Booking.objects.exists()
    detail = api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/").json()
    assert detail["payment_methods"] == ["invoice"]
    assert book(api, departure).status_code == 201


def test_with_stripe_keys_the_catalogue_offers_card(api: Any, stripe_fake: FakeStripe) -> None:
    departure = bookable_departure()
    detail = api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/").json()
    assert detail["payment_methods"] == ["card", "invoice"]


def test_checkout_with_another_bookings_token_is_404_without_calling_stripe(
    api: Any, stripe_fake: FakeStripe
) -> None:
    first = card_booking(api)
    departure = Booking.objects.get().departure
    second = book(api, departure, participants=5, payment_method="card", billing={}).json()
    calls = len(stripe_fake.requests)
    response = api.post(
        f"/api/v1/bookings/{first['reference']}/checkout/", HTTP_X_BOOKING_TOKEN=second["token"]
    )
    assert_problem(response, 404, "not_found")
    response = api.post(f"/api/v1/bookings/{first['reference']}/checkout/")
    assert_problem(response, 404, "not_found")
    assert len(stripe_fake.requests) == calls


def test_checkout_for_a_cancelled_booking_is_refused_without_calling_stripe(
    api: Any, stripe_fake: FakeStripe
) -> None:
    body = card_booking(api)
    headers = {"HTTP_X_BOOKING_TOKEN": body["token"]}
    assert api.post(f"/api/v1/bookings/{body['reference']}/cancel/", **headers).status_code == 200
    calls = len(stripe_fake.requests)
    response = api.post(f"/api/v1/bookings/{body['reference']}/checkout/", **headers)
    assert_problem(response, 409, errors.BOOKING_NOT_PAYABLE, "status")
    assert len(stripe_fake.requests) == calls


def test_checkout_for_an_invoice_booking_is_refused(api: Any, stripe_fake: FakeStripe) -> None:
    body = book(api, bookable_departure()).json()
    response = api.post(
        f"/api/v1/bookings/{body['reference']}/checkout/", HTTP_X_BOOKING_TOKEN=body["token"]
    )
    assert_problem(response, 409, errors.NOT_A_CARD_BOOKING, "payment_method")
    assert stripe_fake.requests == []
