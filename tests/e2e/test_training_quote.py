"""A company asks for a training quote in a real browser (issue 16, item 5): it ticks
"professional training" on the quote form, opens its quote's page, reads the training agreement
(convention de formation) from its link, accepts the quote, and its booking is a training
booking. Wrong input (the terms not accepted) is shown and changes nothing. French and English,
at 390 px and 1280 px. Its booking's page links the sign-in sheet."""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from bookings.models import Booking
from itineraries.models import Departure
from procurement.models import Quote
from tests.bookings.helpers import VALID_SIRET, bookable_departure
from tests.e2e.test_frontend import to_departure_month, unexpected
from tests.e2e.test_quote_journey import TEXTS, _fits, _shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/quotes/D\d{4}-\d{6}\?token=[-_A-Za-z0-9]+")
SHEET = {
    "fr": (
        "Feuille d'émargement par demi-journée (PDF, formation)",
        "Feuille d'émargement",
        "Certificats de réalisation (formation)",
    ),
    "en": (
        "Sign-in sheet per half-day (PDF, training)",
        "Sign-in sheet",
        "Certificates of completion (training)",
    ),
}
AGREEMENT = {
    "fr": ("Convention de formation (PDF)", "Convention de formation professionnelle"),
    "en": ("Training agreement (PDF)", "Professional training agreement"),
}


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_company_asks_for_a_training_quote_and_reads_its_training_agreement(
    page: Any, lang: str, width: int
) -> None:
    texts = TEXTS[lang]
    departure = bookable_departure(
        capacity=40,
        days=20,
        max_participants=40,
        title_fr=TEXTS["fr"]["title"],
        title_en=TEXTS["en"]["title"],
    )
    Departure.objects.filter(pk=departure.pk).update(language=lang)
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    page.set_viewport_size({"width": width, "height": 900})
    name = f"training-quote-{lang}-{width}"

    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.get_by_role("heading", level=1, name=texts["title"]).wait_for()
    to_departure_month(page, departure)
    page.locator("button.slot:not(.private)").first.click()
    page.locator("#switch-quote").click()
    page.get_by_role("heading", name=texts["ask"]).wait_for()
    page.locator("#b-categories-adults").fill("12")
    page.locator("#b-objectives").fill("Piloter un projet de transition énergétique.")
    page.locator("#b-training").check()
    page.locator("#b-organisation-name").fill("Verrerie du Nord")
    page.locator("#b-organisation-type").select_option("company")
    page.locator("#b-organisation-siret").fill(VALID_SIRET)
    page.locator("#b-contact-name").fill("Paul Durand")
    page.locator("#b-contact-email").fill("paul@example.org")
    page.locator("#b-billing-address").fill("2 rue du Four")
    page.locator("#b-billing-postal_code").fill("59000")
    page.locator("#b-billing-city").fill("Lille")
    # Wrong input: the terms of sale not accepted; nothing is written.
    page.locator("#q-submit").click()
    expect(page.locator("#b-terms_version-error")).to_contain_text(texts["terms_error"])
    assert not Quote.objects.exists()
    _fits(page, width)
    _shot(page, f"{name}-form")
    page.get_by_label(texts["terms"]).check()
    page.locator("#q-submit").click()
    page.locator("#quote-sent").wait_for()
    quote = Quote.objects.get()
    assert quote.versions.get().training is True

    (message,) = mail.outbox
    link = LINK.search(message.body)
    assert link, message.body
    parts = urlsplit(link.group())
    page.goto(f"{parts.path}?{parts.query}")
    expect(page.locator("#q-status")).to_have_text(texts["status_open"])
    label, title = AGREEMENT[lang]
    agreement = page.locator("#q-training")
    expect(agreement).to_have_text(label)
    response = page.request.get(agreement.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split()
    )
    assert title in text and "Verrerie du Nord" in text
    assert "Piloter un projet de transition énergétique." in text
    _fits(page, width)
    _shot(page, f"{name}-page")

    page.locator("#q-name").fill("Paul Durand")
    page.locator("#q-role").fill("DRH")
    page.locator("#q-statement").check()
    page.locator("#q-accept").click()
    expect(page.locator("#q-status")).to_have_text(texts["accepted"])
    # The agreement stays linked after acceptance, and the booking is a training booking.
    expect(page.locator("#q-training")).to_be_visible()
    assert Booking.objects.get().training is True
    _shot(page, f"{name}-accepted")

    # The booking's page links the sign-in sheet (one column per half-day) beside the
    # certificates, before the visit already.
    page.locator("#q-booking").click()
    expect(page.locator("#certificates-title")).to_have_text(SHEET[lang][2])
    sheet = page.locator("#sign-in-sheet")
    expect(sheet).to_have_text(SHEET[lang][0])
    answer = page.request.get(sheet.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(answer.body())).pages
    assert SHEET[lang][1] in " ".join(" ".join(p.extract_text() for p in pages).split())
    _fits(page, width)
    _shot(page, f"{name}-booking")
    assert unexpected(page.problems) == []
