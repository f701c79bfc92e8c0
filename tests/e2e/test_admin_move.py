"""Staff move a booking to another date from its admin page, in French, in a real browser
(issue 14, item 15): the departures with their seats left in Paris time, a refusal when the
group does not fit, the move audited and the group e-mailed; desktop and 360 px screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect
from rest_framework.test import APIClient

from bookings.models import Booking, BookingEvent
from core.dates import format_datetime
from tests.bookings.helpers import book, bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_admin_journey import sign_in
from tests.e2e.test_frontend import unexpected
from tests.factories import schedule

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _flat(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_staff_change_a_bookings_date_from_the_admin_in_french(page: Any) -> None:
    first = bookable_departure(capacity=30, days=20)
    later = schedule(first.itinerary, days=27, hour=14, capacity=20)
    full = schedule(first.itinerary, days=30, capacity=12)
    booking_ref = book(APIClient(), first, participants=12).json()["reference"]
    book(APIClient(), full, participants=5)
    booking = Booking.objects.get(reference=booking_ref)
    mail.outbox.clear()
    sign_in(page)
    page.goto(f"/admin/bookings/booking/{booking.pk}/change/")
    page.get_by_role("link", name="Changer la date").click()
    expect(page.locator("h1")).to_contain_text(f"Changer la date de {booking_ref}")
    options = [_flat(text) for text in page.locator("#id_departure option").all_inner_texts()]
    later_label = _flat(f"{format_datetime(later.starts_at, 'fr')} — 20 places restantes")
    full_label = _flat(f"{format_datetime(full.starts_at, 'fr')} — 7 places restantes")
    assert later_label in options and full_label in options
    assert "14 h" in later_label  # Paris time, as the office reads it
    shoot(page, "admin-move")

    # 12 people do not fit in the 7 seats left: refused with the count, nothing moved.
    page.locator("#id_departure").select_option(str(full.pk))
    page.locator("#move-form input[type=submit]").click()
    expect(page.locator(".errorlist")).to_contain_text("il en reste 7")
    assert Booking.objects.get(pk=booking.pk).departure_id == first.pk
    shoot(page, "admin-move-refused")

    page.locator("#id_departure").select_option(str(later.pk))
    page.locator("#move-form input[type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("le groupe a reçu la nouvelle date")
    message_text = _flat(page.locator(".messagelist").inner_text())
    assert _flat(format_datetime(later.starts_at, "fr")) in message_text
    assert Booking.objects.get(pk=booking.pk).departure_id == later.pk
    assert BookingEvent.objects.filter(booking=booking, action="moved").count() == 1
    (message,) = mail.outbox
    assert "nouvelle date" in message.subject
    shoot(page, "admin-moved")
    assert unexpected(page.problems) == []
