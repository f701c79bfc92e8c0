"""Paying the balance by card from the booking page after a deposit (issue 14 item 4), in a real
browser against the loopback Stripe fake, with signed webhooks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from core.money import format_money
from payments.models import Payment, PaymentStatus
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import unexpected
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _paid(fake: FakeStripe, payment: Payment) -> None:
    assert payment.stripe_checkout_session_id is not None
    event = stripe_event(
        "checkout.session.completed", fake.completed_session(payment.stripe_checkout_session_id)
    )
    assert signed_webhook(Client(), event).status_code == 200


def test_the_group_pays_the_balance_by_card_from_the_booking_page(
    page: Any, stripe_fake: FakeStripe
) -> None:
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Stripe Checkout</title>"
        ),
    )
    departure = bookable_departure(capacity=30, days=45, title_fr="Base 11/19 et terrils jumeaux")
    created = book(CommittingAPIClient(), departure, payment_method="card", billing={})
    assert created.status_code == 201, created.content
    body = created.json()
    total, deposit = body["price"]["total_cents"], body["price"]["deposit_cents"]
    _paid(stripe_fake, Payment.objects.get(booking__reference=body["reference"]))

    page.goto(f"/bookings/{body['reference']}?token={body['token']}")
    expect(page.locator("#status")).to_have_text("Confirmée")
    button = page.locator("#pay-balance")
    expect(button).to_have_text(f"Payer le solde par carte ({format_money(total - deposit, 'fr')})")
    shoot(page, "balance-to-pay")
    mail.outbox.clear()
    button.click()
    page.wait_for_url(re.compile(r"^https://checkout\.stripe\.com/c/pay/"))
    balance = Payment.objects.get(
        booking__reference=body["reference"], status=PaymentStatus.PENDING
    )
    assert (balance.kind, balance.amount_cents) == ("balance", total - deposit)
    _paid(stripe_fake, balance)
    [receipt] = [m for m in mail.outbox if m.subject.startswith("Paiement reçu")]
    assert f"Montant débité : {format_money(total - deposit, 'fr')}" in receipt.body

    page.goto(f"/bookings/{body['reference']}?token={body['token']}")
    expect(page.locator("#status")).to_have_text("Confirmée")
    expect(page.locator("#pay-balance")).to_have_count(0)
    shoot(page, "balance-paid")
    assert unexpected(page.problems) == []
