"""Small holes of issue 13, item 18: ReDoc's assets, plain-text e-mails, SITE_URL, HSTS."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_redoc_names_no_asset_of_another_host(client: Any) -> None:
    page = client.get("/api/redoc/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "redoc.standalone.js" in html
    assert re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", html) == []


NAME = "Claire O'Brien & Fils <direction>"


def test_plain_text_booking_emails_keep_names_as_written(api: Any) -> None:
    from django.core import mail

    from tests.bookings.helpers import book, bookable_departure

    created = book(
        api,
        bookable_departure(title_fr="Terrils & cités d'ouvriers"),
        participants=10,
        contact={"name": NAME, "email": "claire@example.org", "phone": "+33 6 12 34 56 78"},
    )
    assert created.status_code == 201, created.content
    (message,) = mail.outbox
    assert NAME in message.body
    assert "Terrils & cités d'ouvriers" in message.body + message.subject
    assert "&amp;" not in message.body and "&#x27;" not in message.body


def test_plain_text_guide_and_payment_emails_keep_names_as_written(api: Any) -> None:
    from bookings.models import Booking
    from guides.emails import guide_email
    from payments.emails import late_payment_email
    from tests.bookings.helpers import book, bookable_departure
    from tests.guides.helpers import assign, at, departure_at, make_guide

    guide = make_guide(display_name=NAME)
    guide.user.email = "guide@example.org"
    guide.user.save()
    departure = departure_at(at(3, 10), title_fr="Terrils & cités d'ouvriers")
    assign(departure, guide)
    message = guide_email(guide=guide, departure=departure, kind="assigned")
    assert message is not None
    assert "Terrils & cités d'ouvriers" in message.subject + message.body
    assert "&amp;" not in message.body + message.subject

    contact = {"name": NAME, "email": "claire@example.org", "phone": "+33 6 12 34 56 78"}
    created = book(api, bookable_departure(), participants=10, contact=contact).json()
    late = late_payment_email(Booking.objects.get(reference=created["reference"]), 4200)
    assert NAME in late.body
