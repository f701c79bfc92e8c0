""" "My bookings" in a real browser (issue 14 item 2, last sentence): from "find my booking", an
organisation asks for a sign-in link (a malformed address first), opens the link read from the
e-mail, sees its two bookings and not a stranger's, opens one, and signs out. French and
English, at phone and desktop widths."""

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
from tests.factories import schedule

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/my-bookings/sign-in\?token=[-_A-Za-z0-9]+")

TEXTS = {
    "fr": {
        "find": "Retrouver ma réservation",
        "mine": "Mes réservations",
        "email": "Adresse électronique du contact",
        "send": "Recevoir un lien de connexion",
        "invalid": "Saisissez une adresse e-mail valide.",
        "sent": "un lien de connexion lui a été envoyé",
        "subject": "Votre lien de connexion",
        "open_all": "Ouvrir mes réservations",
        "upcoming": "Visites à venir",
        "signed_in": "Connecté en tant que claire@example.org",
        "open": "Ouvrir la réservation {ref}",
        "sign_out": "Se déconnecter",
        "status": "Statut",
    },
    "en": {
        "find": "Find my booking",
        "mine": "My bookings",
        "email": "Contact's e-mail address",
        "send": "Send me a sign-in link",
        "invalid": "Enter a valid email address.",
        "sent": "a sign-in link has been sent to it",
        "subject": "Your sign-in link",
        "open_all": "Open my bookings",
        "upcoming": "Upcoming visits",
        "signed_in": "Signed in as claire@example.org",
        "open": "Open booking {ref}",
        "sign_out": "Sign out",
        "status": "Status",
    },
}


def _contact(email: str) -> dict[str, str]:
    return {"name": "Claire Martin", "email": email, "phone": "+33 6 12 34 56 78"}


def _fits(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_organisation_signs_in_and_sees_all_its_bookings(page: Any, lang: str) -> None:
    texts = TEXTS[lang]
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    first = bookable_departure(capacity=40, days=20)
    second = schedule(first.itinerary, days=45, capacity=40)
    client = APIClient()
    refs = []
    for departure, people in ((first, 12), (second, 25)):
        created = book(
            client, departure, participants=people, contact=_contact("claire@example.org")
        )
        assert created.status_code == 201, created.content
        refs.append(created.json()["reference"])
    stranger = book(client, first, participants=4, contact=_contact("someone@example.net"))
    mail.outbox.clear()

    # From "find my booking" to the sign-in form; a malformed address is refused on its field.
    page.goto("/bookings/find")
    page.locator("#find-my-bookings").click()
    expect(page.get_by_role("heading", name=texts["mine"], level=1)).to_be_visible()
    page.get_by_label(texts["email"]).fill("claire-at-example.org")
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("#signin-email-error")).to_have_text(texts["invalid"])
    _fits(page, 360)
    shoot(page, f"my-bookings-wrong-email-{lang}")
    assert mail.outbox == []

    page.get_by_label(texts["email"]).fill("Claire@example.org")
    page.get_by_role("button", name=texts["send"]).click()
    expect(page.locator("#signin-status")).to_contain_text(texts["sent"])
    expect(page.get_by_label(texts["email"])).not_to_have_attribute("aria-invalid", "true")
    shoot(page, f"my-bookings-sent-{lang}")

    # The link from the e-mail: the token leaves the address bar; a press opens the session.
    (message,) = mail.outbox
    assert message.subject.startswith(texts["subject"])
    found = LINK.search(message.body)
    assert found, message.body
    parts = urlsplit(found.group())
    page.goto(f"{parts.path}?{parts.query}")
    button = page.get_by_role("button", name=texts["open_all"])
    expect(button).to_be_visible()
    assert "token" not in page.url
    shoot(page, f"my-bookings-link-{lang}")
    button.click()

    # Both bookings, the sooner first; never the stranger's.
    expect(page.get_by_role("heading", name=texts["upcoming"])).to_be_visible()
    expect(page.locator("#signed-in-as")).to_have_text(texts["signed_in"])
    cards = page.locator(".my-bookings .card")
    expect(cards).to_have_count(2)
    assert cards.nth(0).get_attribute("data-reference") == refs[0]
    assert cards.nth(1).get_attribute("data-reference") == refs[1]
    assert stranger.json()["reference"] not in page.content()
    expect(cards.nth(1)).to_contain_text("25 participants")
    expect(cards.nth(1)).to_contain_text("€")
    _fits(page, 360)
    shoot(page, f"my-bookings-list-{lang}")

    # Open the second: its organiser page, without the secret in the address.
    page.get_by_role("button", name=texts["open"].format(ref=refs[1])).click()
    expect(page.get_by_role("heading", name=refs[1], exact=False)).to_be_visible()
    page.locator("#status").wait_for()
    assert "token" not in page.url
    expect(page.locator("#participants")).to_contain_text("25")

    # Back to the list, then sign out: the sign-in form again.
    page.goto("/my-bookings")
    expect(cards).to_have_count(2)
    page.get_by_role("button", name=texts["sign_out"]).click()
    expect(page.get_by_role("button", name=texts["send"])).to_be_visible()
    page.goto("/my-bookings")
    expect(page.get_by_role("button", name=texts["send"])).to_be_visible()
    assert unexpected(page.problems) == []


def test_the_my_bookings_pages_pass_axe(axe_page: Any) -> None:  # noqa: F811
    first = bookable_departure(capacity=40, days=20)
    client = APIClient()
    for departure in (first, schedule(first.itinerary, days=45, capacity=40)):
        book(client, departure, participants=6, contact=_contact("claire@example.org"))
    axe_page.goto("/my-bookings")
    axe_page.locator("#signin-form").wait_for()
    assert audit(axe_page) == []
    mail.outbox.clear()
    assert (
        client.post("/api/v1/my-bookings/sign-in/", {"email": "claire@example.org"}).status_code
        == 202
    )
    found = LINK.search(mail.outbox[0].body)
    assert found
    parts = urlsplit(found.group())
    axe_page.goto(f"{parts.path}?{parts.query}")
    axe_page.locator("#signin-open").wait_for()
    assert audit(axe_page) == []
    axe_page.locator("#signin-open").click()
    axe_page.locator(".my-bookings .card").first.wait_for()
    assert audit(axe_page) == []
