"""The group's personal data on its booking page, in a real browser: download, erasure request
with its confirmation, in French and English, on a phone and a desktop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase
from playwright.sync_api import expect
from rest_framework.test import APIClient

from bookings import retention, services
from bookings.models import Booking
from tests.bookings.helpers import book, bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_accessibility import audit, axe_page  # noqa: F401  (fixture)
from tests.e2e.test_frontend import unexpected

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def booked() -> dict[str, Any]:
    """An invoice request for a visit 20 days ahead, made over the API as the form makes it."""
    response = book(APIClient(), bookable_departure(capacity=30, days=20), participants=12)
    assert response.status_code == 201, response.content
    return response.json()


def open_booking_page(page: Any, booked: dict[str, Any]) -> None:
    page.goto(f"/bookings/{booked['reference']}?token={booked['token']}")
    page.locator("#status").wait_for()


def fits_the_width(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_download_my_data_gives_a_json_file(
    page: Any, booked: dict[str, Any], tmp_path: Path
) -> None:
    open_booking_page(page, booked)
    page.get_by_role("heading", name="Vos données personnelles").wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="Télécharger mes données (JSON)").click()
    download = info.value
    assert download.suggested_filename == f"{booked['reference']}-personal-data.json"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["booking"]["reference"] == booked["reference"]
    assert data["booking"]["contact"]["email"] == "claire@example.org"
    assert data["invoices"] == [] and data["payments"] == []
    assert booked["token"] not in target.read_text(encoding="utf-8")
    assert unexpected(page.problems) == []


def test_ask_for_erasure_explains_what_is_kept_and_is_recorded(
    page: Any, booked: dict[str, Any]
) -> None:
    open_booking_page(page, booked)
    page.get_by_role("button", name="Demander l'effacement").click()
    dialog = page.get_by_role("dialog", name="Demander l'effacement de vos données\u00a0?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("le nom, l'e-mail et le téléphone du contact")
    expect(dialog).to_contain_text("factures 10 ans (Code de commerce, art. L123-22)")
    shoot(page, "erasure-dialog-fr")
    fits_the_width(page, 360)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Non, garder mes données").click()
    expect(dialog).to_be_hidden()
    assert Booking.objects.get().erasure_requested_at is None

    page.get_by_role("button", name="Demander l'effacement").click()
    page.get_by_role("button", name="Oui, demander l'effacement").click()
    expect(page.locator("#erasure-status")).to_contain_text("Demande d'effacement enregistrée le")
    expect(page.locator("#erasure-deferred")).to_contain_text("La visite est encore à venir")
    expect(page.get_by_role("button", name="Demander l'effacement")).to_have_count(0)
    assert Booking.objects.get().erasure_requested_at is not None
    shoot(page, "erasure-requested-fr")

    page.reload()  # the request is remembered: no second button, the date is shown
    expect(page.locator("#erasure-status")).to_contain_text("Demande d'effacement enregistrée le")
    expect(page.get_by_role("button", name="Demander l'effacement")).to_have_count(0)
    assert unexpected(page.problems) == []


def test_the_personal_data_section_in_english_on_a_phone(page: Any, booked: dict[str, Any]) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    open_booking_page(page, booked)
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", name="Your personal data").wait_for()
    expect(page.get_by_role("button", name="Download my data (JSON)")).to_be_visible()
    page.get_by_role("button", name="Ask for erasure").click()
    dialog = page.get_by_role("dialog", name="Ask for your data to be erased?")
    expect(dialog).to_contain_text("invoices for 10 years (French Commercial Code, art. L123-22)")
    fits_the_width(page, 360)
    shoot(page, "erasure-dialog-en")
    page.get_by_role("button", name="Yes, ask for erasure").click()
    expect(page.locator("#erasure-status")).to_contain_text("Erasure request recorded on")
    expect(page.locator("#erasure-deferred")).to_contain_text("The visit is still to come")
    assert unexpected(page.problems) == []


def test_an_erased_booking_says_so(page: Any, booked: dict[str, Any]) -> None:
    booking = Booking.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.booking_decline(booking=booking, actor=services.Actor.system())
    retention.booking_anonymise(
        booking=booking, actor=services.Actor.system(), reason=retention.REASON_REQUEST
    )
    open_booking_page(page, booked)
    expect(page.locator("#erasure-status")).to_contain_text(
        "Vos données personnelles ont été effacées le"
    )
    expect(page.get_by_role("button", name="Demander l'effacement")).to_have_count(0)
    expect(page.get_by_role("button", name="Télécharger mes données (JSON)")).to_be_visible()
    assert "null" not in page.locator("main").inner_text()  # the sections a declined one lacks
    shoot(page, "erasure-done-fr")
    assert unexpected(page.problems) == []


def test_the_erasure_dialog_passes_axe(axe_page: Any, booked: dict[str, Any]) -> None:  # noqa: F811
    open_booking_page(axe_page, booked)
    axe_page.get_by_role("button", name="Demander l'effacement").click()
    expect(axe_page.get_by_role("dialog")).to_be_visible()
    assert audit(axe_page) == []
