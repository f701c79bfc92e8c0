"""Paying the balance by card after a deposit (issue 14 item 4): each card payment is
acknowledged by e-mail with the amount actually charged, in the booking's language, money and
dates written as that language writes them. Real SDK against the loopback fake, signed
webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from core.dates import format_date, format_datetime
from core.money import format_money
from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import get_booking, only_payment, pay


def test_format_money_writes_each_language_s_way() -> None:
    assert format_money(54000, "fr") == "540,00\u00a0€"
    assert format_money(123456, "fr") == "1\u202f234,56\u00a0€"
    assert format_money(54000, "en") == "€540.00"
    assert format_money(123456, "en") == "€1,234.56"
    assert format_money(-550, "en") == "-€5.50"


def test_dates_are_written_as_each_language_writes_them() -> None:
    moment = timezone.make_aware(datetime(2026, 12, 12, 9, 30))
    assert format_datetime(moment, "fr") == "12 décembre 2026 à 9 h 30"
    assert format_datetime(moment, "en") == "12 December 2026 at 9:30"
    assert format_datetime(moment.replace(hour=10, minute=0), "fr") == "12 décembre 2026 à 10 h"
    assert format_date(moment.replace(day=1), "fr") == "1er décembre 2026"


def _payment_mails() -> list[Any]:
    return [
        m for m in mail.outbox if "paiement" in m.subject.lower() or "payment" in m.subject.lower()
    ]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", {"subject": "Paiement reçu", "charged": "Montant débité", "left": "Reste à payer"}),
        ("en", {"subject": "Payment received", "charged": "Amount charged", "left": "Left to pay"}),
    ],
)
def test_the_deposit_then_the_balance_are_each_acknowledged_with_the_amount_charged(
    api: Any, stripe_fake: FakeStripe, language: str, words: dict[str, str]
) -> None:
    departure = bookable_departure(days=40, capacity=30, languages=["fr", "en"])
    Departure.objects.filter(pk=departure.pk).update(language=language)
    departure.refresh_from_db()
    created = book(api, departure, payment_method="card", billing={}, language=language)
    assert created.status_code == 201, created.content
    body = created.json()
    total, deposit = body["price"]["total_cents"], body["price"]["deposit_cents"]
    mail.outbox.clear()
    pay(api, stripe_fake, only_payment(body["reference"]))
    [first] = _payment_mails()
    assert first.subject.startswith(words["subject"])
    separator = " : " if language == "fr" else ": "
    assert f"{words['charged']}{separator}{format_money(deposit, language)}" in first.body
    assert f"{words['left']}" in first.body
    assert format_money(total - deposit, language) in first.body
    starts = get_booking(api, body)["departure"]["starts_at"]
    assert format_datetime(datetime.fromisoformat(starts), language) in first.body

    url = f"/api/v1/bookings/{body['reference']}/checkout/"
    checkout = api.post(url, HTTP_X_BOOKING_TOKEN=body["token"])
    assert checkout.status_code == 200, checkout.content
    mail.outbox.clear()
    pay(api, stripe_fake, only_payment(body["reference"]))
    [second] = _payment_mails()
    assert format_money(total - deposit, language) in second.body
    assert words["left"] not in second.body
    assert stripe_fake.rejected == []
