"""Card payment in a real browser: book, leave for Stripe Checkout (the loopback fake), Stripe's
webhook arrives, the group comes back to a confirmed booking."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from payments.models import Payment
from tests.bookings.helpers import bookable_departure
from tests.e2e.test_frontend import fill_invoice_form, open_first_slot, unexpected
from tests.fakes.stripe_server import FakeStripe, signed_webhook, stripe_event

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_card_booking_pays_on_stripe_and_comes_back_confirmed(
    page: Any, stripe_fake: FakeStripe
) -> None:
    departure = bookable_departure(capacity=30, days=20, title_fr="Base 11/19 et terrils jumeaux")
    # Stripe's hosted page stands in as a plain page: no request leaves the machine.
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Stripe Checkout</title>"
        ),
    )
    open_first_slot(page, departure)
    fill_invoice_form(page)
    page.get_by_label("Carte bancaire (en ligne)").check()
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.wait_for_url(re.compile(r"^https://checkout\.stripe\.com/c/pay/"))
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.PENDING_PAYMENT

    payment = Payment.objects.get(booking=booking)
    assert payment.stripe_checkout_session_id is not None
    event = stripe_event(
        "checkout.session.completed",
        stripe_fake.completed_session(payment.stripe_checkout_session_id),
    )
    assert signed_webhook(Client(), event).status_code == 200

    # Stripe's success address: the booking page, without the token.
    page.goto(f"/bookings/{booking.reference}?checkout_session_id=cs_done")
    expect(page.locator("#status")).to_have_text("Confirmée")
    assert Booking.objects.get().status == BookingStatus.CONFIRMED
    assert unexpected(page.problems) == []
