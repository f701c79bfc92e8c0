"""The legal pages in a real browser, at phone and desktop widths, in French and English: the
footer reaches every page, the contact form shows a wrong e-mail's error and then sends, and the
booking form refuses to book until the terms of sale are accepted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Booking
from bookings.terms import current_terms
from legal.pages import PAGES
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import (  # noqa: F401  (departure is a fixture)
    departure,
    fill_invoice_form,
    months_ahead,
    open_first_slot,
    unexpected,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": 1280, "phone": 360}
TITLES = {
    "fr": {
        "legal": "Mentions légales",
        "terms": "Conditions générales de vente",
        "privacy": "Politique de confidentialité",
        "accessibility": "Accessibilité",
        "faq": "Questions fréquentes",
        "contact": "Contact",
    },
    "en": {
        "legal": "Legal notice",
        "terms": "Terms of sale",
        "privacy": "Privacy notice",
        "accessibility": "Accessibility",
        "faq": "Frequently asked questions",
        "contact": "Contact",
    },
}


def snap(page: Any, name: str, width: str) -> None:
    """Screenshots at both widths (``shoot``), taken once, then back to the test's own width."""
    if width == "desktop":
        shoot(page, name)
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})


def footer(page: Any) -> Any:
    return page.locator("footer ul.footer-links:visible")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_footer_of_the_app_reaches_every_legal_page(page: Any, lang: str, width: str) -> None:
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.goto("/")
    page.get_by_role("heading", level=1).wait_for()
    if lang == "en":
        page.get_by_role("button", name="Switch to English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Guided"))
    expect(footer(page)).to_have_count(1)
    for item in PAGES:
        title = TITLES[lang][item.key]
        footer(page).get_by_role("link", name=title, exact=True).click()
        page.wait_for_url(f"**{item.path(lang)}")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert page.evaluate("document.documentElement.lang") == lang
        snap(page, f"legal-{item.key}-{lang}", width)
        # The page's own footer leads on: back to the app, in the same language.
        page.locator("a.brand").click()
        page.get_by_role("heading", level=1).wait_for()
        expect(footer(page)).to_have_attribute("lang", lang)
    assert unexpected(page.problems) == []


@pytest.mark.parametrize(
    ("lang", "path", "invalid", "sent"),
    [
        ("fr", "/contact/", "Saisissez une adresse e-mail valide.", "Merci"),
        ("en", "/en/contact/", "Enter a valid email address.", "Thank you"),
    ],
)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_contact_form_shows_a_wrong_email_then_sends(
    page: Any, settings: Any, lang: str, path: str, invalid: str, sent: str, width: str
) -> None:
    settings.OFFICE_EMAIL = "office@example.org"
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    page.goto(path)
    form = page.locator("#contact-form")
    labels = {
        "fr": ("Nom et prénom", "E-mail", "Organisme", "Objet", "Message", "Envoyer le message"),
        "en": ("Your name", "E-mail", "Organisation", "Subject", "Message", "Send the message"),
    }[lang]
    form.get_by_label(re.compile(f"^{labels[0]}")).fill("Claire Martin")
    form.get_by_label(re.compile(f"^{labels[1]}")).fill("claire@")
    form.get_by_label(re.compile(f"^{labels[2]}")).fill("Mairie d'Arras")
    form.get_by_label(re.compile(f"^{labels[3]}")).fill("Visite pour 45 agents")
    form.get_by_label(re.compile(f"^{labels[4]}")).fill("Nous aimerions venir à 45 en juin.")
    form.get_by_role("button", name=labels[5]).click()
    expect(page.locator("#c-email-error")).to_have_text(invalid)
    expect(page.locator("#c-email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#c-email")).to_be_focused()
    snap(page, f"contact-error-{lang}", width)
    assert mail.outbox == []

    form.get_by_label(re.compile(f"^{labels[1]}")).fill("claire@example.org")
    form.get_by_role("button", name=labels[5]).click()
    expect(page.locator("#contact-sent")).to_contain_text(sent)
    expect(form).to_be_hidden()
    snap(page, f"contact-sent-{lang}", width)
    [message] = mail.outbox
    assert message.to == ["office@example.org"]
    assert message.reply_to == ["Claire Martin <claire@example.org>"]
    assert unexpected(page.problems) == []


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_booking_form_books_only_once_the_terms_are_accepted(
    page: Any,
    departure: Any,  # noqa: F811
    width: str,
) -> None:
    page.set_viewport_size({"width": WIDTHS[width], "height": 900})
    open_first_slot(page, departure)
    page.get_by_role("heading", name="Réserver").wait_for()
    # Sent empty, the form says everything missing at once, the terms box included.
    page.get_by_role("button", name="Envoyer la réservation").click()
    expect(page.locator("#b-organisation-name-error")).to_have_text("Ce champ est obligatoire.")
    expect(page.locator("#b-contact-email-error")).to_have_text("Ce champ est obligatoire.")
    expect(page.locator("#b-terms_version-error")).to_have_text(
        "Cochez cette case pour accepter les conditions générales de vente."
    )
    page.locator(".form-errors").scroll_into_view_if_needed()
    snap(page, "booking-all-errors-fr", width)
    fill_invoice_form(page)  # ticks the box; untick it to try without
    box = page.get_by_label(
        f"J'accepte les conditions générales de vente (version {current_terms().version})"
    )
    box.uncheck()
    requests: list[str] = []
    page.on(
        "request",
        lambda r: requests.append(r.url) if r.method == "POST" and "/bookings/" in r.url else None,
    )
    page.get_by_role("button", name="Envoyer la réservation").click()
    expect(page.locator("#b-terms_version-error")).to_have_text(
        "Cochez cette case pour accepter les conditions générales de vente."
    )
    expect(box).to_be_focused()
    expect(page.locator(".form-errors")).to_be_visible()
    page.locator(".terms-accept").scroll_into_view_if_needed()
    snap(page, "booking-terms-refused-fr", width)
    assert requests == [] and Booking.objects.count() == 0
    # The link opens the version in force in a new tab, leaving the form as it is.
    link = page.get_by_role("link", name="Lire les conditions générales de vente (nouvel onglet)")
    assert link.get_attribute("href") == "/conditions-generales-de-vente/"
    assert link.get_attribute("target") == "_blank"

    box.check()
    page.get_by_role("button", name="Envoyer la réservation").click()
    page.wait_for_url(re.compile(r"/bookings/VA-[A-Z0-9]{6}\?token="))
    booking = Booking.objects.get()
    assert booking.terms_version == current_terms().version
    assert booking.terms_accepted_at is not None
    assert unexpected(page.problems) == []


def test_the_english_booking_form_names_the_terms_in_english(
    page: Any,
    departure: Any,  # noqa: F811
) -> None:
    page.goto("/")
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("link", name=re.compile("Base 11")).click()
    page.get_by_role("heading", level=1, name="Base 11/19 and the twin slag heaps").wait_for()
    page.locator(".month .day").first.wait_for()
    for _ in range(months_ahead(departure)):
        before = page.locator(".month-title").inner_text()
        page.get_by_role("button", name="Next month").click()
        expect(page.locator(".month-title")).not_to_have_text(before)
    page.locator("button.slot:not(.private)").first.click()
    page.get_by_role("heading", name="Book").wait_for()
    page.get_by_label("E-mail").fill("claire.example.org")
    requests: list[str] = []
    page.on(
        "request",
        lambda r: requests.append(r.url) if r.method == "POST" and "/bookings/" in r.url else None,
    )
    page.get_by_role("button", name="Send the booking").click()
    # Everything wrong is said at once, in the page's language: the terms with the rest.
    expect(page.locator("#b-terms_version-error")).to_have_text(
        "Tick this box to accept the terms of sale."
    )
    expect(page.locator("#b-organisation-name-error")).to_have_text("This field is required.")
    expect(page.locator("#b-contact-name-error")).to_have_text("This field is required.")
    expect(page.locator("#b-contact-email-error")).to_have_text(
        "Enter a valid e-mail address (name@example.com)."
    )
    expect(page.get_by_label(re.compile("^Organisation name"))).to_be_focused()
    assert requests == [] and Booking.objects.count() == 0
    label = f"I accept the terms of sale (version {current_terms().version})"
    expect(page.get_by_label(label)).to_be_visible()
    link = page.get_by_role("link", name="Read the terms of sale (new tab)")
    assert link.get_attribute("href") == "/en/terms-of-sale/"
    page.locator(".terms-accept").scroll_into_view_if_needed()
    snap(page, "booking-terms-refused-en", "desktop")
