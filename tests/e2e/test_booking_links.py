"""The booking's links in a real browser (issue 14 item 2): the e-mail's organiser link opens
the booking page, which says to keep it and shares the participants' read-only link; that link
opens the visit and nothing more; "find my booking" sends a fresh link. French and English, at
phone and desktop widths."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect
from rest_framework.test import APIClient

from tests.bookings.helpers import book, bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_accessibility import audit, axe_page  # noqa: F401  (fixture)
from tests.e2e.test_frontend import unexpected

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/bookings/VA-[A-Z0-9]{6}\?token=[-_A-Za-z0-9]+")

TEXTS = {
    "fr": {
        "keep": "Gardez ce lien",
        "share": "Lien pour les participants",
        "find": "Retrouver ma réservation",
        "reference": "Référence de la réservation",
        "email": "Adresse électronique du contact",
        "send": "Recevoir un nouveau lien",
        "sent": "un nouveau lien vers celle-ci a été envoyé",
        "read_only": "lecture seule",
        "meeting": "Rendez-vous :",
    },
    "en": {
        "keep": "Keep this link",
        "share": "Link for the participants",
        "find": "Find my booking",
        "reference": "Booking reference",
        "email": "Contact's e-mail address",
        "send": "Send me a fresh link",
        "sent": "a fresh link to it has been sent",
        "read_only": "read only",
        "meeting": "Meeting point:",
    },
}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _fits(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_group_never_loses_its_booking(page: Any, lang: str) -> None:
    texts = TEXTS[lang]
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    created = book(APIClient(), bookable_departure(capacity=30, days=20), participants=12)
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]

    # The first e-mail carries the organiser's link; it opens the booking page.
    (message,) = mail.outbox
    found = LINK.search(message.body)
    assert found, message.body
    page.goto(_path(found.group()))
    page.locator("#status").wait_for()
    expect(page.get_by_role("heading", name=texts["keep"])).to_be_visible()
    expect(page.get_by_role("heading", name=texts["share"])).to_be_visible()
    shared = page.locator("#participants-link").input_value()
    assert f"/bookings/{reference}/visit?token=" in shared
    _fits(page, 360)
    shoot(page, f"links-booking-{lang}")

    # The participants' link: the visit, read only; no change, no cancellation, no contact.
    page.goto(_path(shared))
    expect(page.get_by_text(texts["read_only"])).to_be_visible()
    expect(page.get_by_text(texts["meeting"])).to_be_visible()
    assert page.locator("#cancel-open").count() == 0
    assert page.locator("#change-participants").count() == 0
    assert "claire" not in page.content().lower()
    _fits(page, 360)
    shoot(page, f"links-visit-{lang}")

    # Find my booking, from the header: the same answer, and a fresh link by e-mail.
    mail.outbox.clear()
    page.get_by_role("link", name=texts["find"]).first.click()
    page.get_by_label(texts["reference"]).fill(reference.lower())
    page.get_by_label(texts["email"]).fill("claire@example.org")
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("#find-status")).to_contain_text(texts["sent"])
    _fits(page, 360)
    shoot(page, f"links-find-{lang}")
    (fresh,) = mail.outbox
    again = LINK.search(fresh.body)
    assert again and again.group() != found.group()
    page.goto(_path(again.group()))
    page.locator("#status").wait_for()
    expect(page.get_by_role("heading", name=texts["keep"])).to_be_visible()
    assert unexpected(page.problems) == []


def test_the_links_pages_pass_axe(axe_page: Any) -> None:  # noqa: F811
    created = book(APIClient(), bookable_departure(capacity=30, days=20), participants=12).json()
    reference, token = created["reference"], created["token"]
    pages = {
        "booking": (f"/bookings/{reference}?token={token}", "#participants-link"),
        "find": ("/bookings/find", "#find-form"),
    }
    booking_page, ready = pages["booking"]
    axe_page.goto(booking_page)
    axe_page.locator(ready).wait_for()
    shared = axe_page.locator("#participants-link").input_value()
    assert audit(axe_page) == []
    axe_page.goto(_path(shared))
    axe_page.locator("#visit-start").wait_for()
    assert audit(axe_page) == []
    axe_page.goto(pages["find"][0])
    axe_page.locator(pages["find"][1]).wait_for()
    assert audit(axe_page) == []
