"""A school's quote from end to end in a real browser (issue 16): it asks for a quote from the
itinerary page, receives it by e-mail, opens the secret link, reads the quote and its PDF,
accepts it online and sees its confirmed booking, then gives its purchase-order number. Wrong
input on the way (no terms, a bad SIRET, no statement, a file that is not a PDF) is shown next to
its field and changes nothing. French and English, at 390 px and 1280 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus, SeatHold
from itineraries.models import Departure
from procurement.models import Quote, QuoteAcceptance, QuoteStatus
from tests.bookings.helpers import VALID_SIRET, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_accessibility import audit, axe_page  # noqa: F401  (fixture)
from tests.e2e.test_frontend import to_departure_month, unexpected
from tests.procurement.helpers import quote_body

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/quotes/D\d{4}-\d{6}\?token=[-_A-Za-z0-9]+")

TEXTS = {
    "fr": {
        "title": "Base 11/19 et terrils jumeaux",
        "ask": "Demander un devis",
        "submit": "Recevoir le devis",
        "terms": "J'accepte les conditions générales de vente",
        "terms_error": "Cochez cette case",
        "sent": "Devis {number} envoyé",
        "status_open": "À accepter",
        "accept": "Accepter le devis",
        "statement_error": "seule une personne habilitée",
        "not_pdf": "Choisissez un fichier PDF.",
        "accepted": "Accepté",
        "see_booking": "Voir la réservation",
        "confirmed": "Confirmée",
        "subject": "Devis ",
        "save": "Enregistrer",
        "po": "Bon de commande : BC-2026-118",
        "terms_due": "payable à 30 jours à réception de la facture",
    },
    "en": {
        "title": "Base 11/19 and the twin slag heaps",
        "ask": "Ask for a quote",
        "submit": "Get the quote",
        "terms": "I accept the terms of sale",
        "terms_error": "Tick this box",
        "sent": "Quote {number} sent",
        "status_open": "Awaiting acceptance",
        "accept": "Accept the quote",
        "statement_error": "only an authorised person",
        "not_pdf": "Choose a PDF file.",
        "accepted": "Accepted",
        "see_booking": "See booking",
        "confirmed": "Confirmed",
        "subject": "Quote ",
        "save": "Save",
        "po": "Purchase order: BC-2026-118",
        "terms_due": "payable within 30 days of receiving the invoice",
    },
}


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_school_asks_for_a_quote_accepts_it_online_and_sees_its_booking(
    page: Any, lang: str, width: int, tmp_path: Path
) -> None:
    texts = TEXTS[lang]
    departure = bookable_departure(
        capacity=40,
        days=20,
        max_participants=40,
        title_fr=TEXTS["fr"]["title"],
        title_en=TEXTS["en"]["title"],
    )
    # The quote, its PDF and its e-mail are in the visit's language (French for a French visit,
    # English otherwise, as the bookings' e-mails): the English reader books an English visit.
    Departure.objects.filter(pk=departure.pk).update(language=lang)
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    page.set_viewport_size({"width": width, "height": 900})
    name = f"quote-{lang}-{width}"

    # The itinerary page: a date, then the quote form instead of the booking form.
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.get_by_role("heading", level=1, name=texts["title"]).wait_for()
    to_departure_month(page, departure)
    page.locator("button.slot:not(.private)").first.click()
    page.locator("#switch-quote").click()
    page.get_by_role("heading", name=texts["ask"]).wait_for()
    page.locator("#b-categories-pupils").fill("28")
    page.locator("#b-categories-staff").fill("3")

    # Wrong input: the terms not accepted, then a SIRET whose check digit is wrong.
    page.locator("#q-submit").click()
    expect(page.locator("#b-terms_version-error")).to_contain_text(texts["terms_error"])
    page.locator("#b-organisation-name").fill("Collège Jean Jaurès")
    page.locator("#b-organisation-type").select_option("school")
    page.locator("#b-organisation-siret").fill("21620041600017")
    page.locator("#b-contact-name").fill("Claire Martin")
    page.locator("#b-contact-email").fill("claire@example.org")
    page.locator("#b-billing-address").fill("1 rue de l'École")
    page.locator("#b-billing-postal_code").fill("62750")
    page.locator("#b-billing-city").fill("Loos-en-Gohelle")
    page.locator("#b-objectives").fill("La reconversion d'un bassin minier.")
    page.locator("#b-commitment_number_follows").check()
    page.get_by_label(texts["terms"]).check()
    page.locator("#q-submit").click()
    expect(page.locator("#b-organisation-siret-error")).not_to_be_empty()
    assert page.locator("#b-organisation-siret").get_attribute("aria-invalid") == "true"
    assert not Quote.objects.exists()
    _fits(page, width)
    _shot(page, f"{name}-form-errors")

    page.locator("#b-organisation-siret").fill(VALID_SIRET)
    page.locator("#q-submit").click()
    page.locator("#quote-sent").wait_for()
    quote = Quote.objects.get()
    expect(page.locator("#quote-sent-title")).to_have_text(
        texts["sent"].format(number=quote.number)
    )
    assert SeatHold.objects.get().seats == 31  # the quote holds the school's seats
    _shot(page, f"{name}-sent")

    # The e-mail: the quote's PDF and the secret link to its page.
    (message,) = mail.outbox
    assert message.subject.startswith(texts["subject"] + quote.number)
    assert message.attachments[0][2] == "application/pdf"
    link = LINK.search(message.body)
    assert link, message.body
    parts = urlsplit(link.group())
    page.goto(f"{parts.path}?{parts.query}")
    expect(page.locator("#q-status")).to_have_text(texts["status_open"])
    assert page.locator("#q-total").inner_text().strip()
    expect(page.locator("#q-terms")).to_contain_text(texts["terms_due"])
    pdf = page.request.get(page.locator("#q-pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF-")
    _fits(page, width)
    _shot(page, f"{name}-page")

    # Wrong input: no name, no statement, a file that is not a PDF.
    not_pdf = tmp_path / "photo.png"
    not_pdf.write_bytes(b"\x89PNG\r\n\x1a\n not a pdf")
    page.locator("#q-document").set_input_files(str(not_pdf))
    page.locator("#q-accept").click()
    expect(page.locator("#q-statement-error")).to_contain_text(texts["statement_error"])
    expect(page.locator("#q-document-error")).to_have_text(texts["not_pdf"])
    assert page.locator("#q-name").get_attribute("aria-invalid") == "true"
    assert not QuoteAcceptance.objects.exists()
    _fits(page, width)
    _shot(page, f"{name}-accept-errors")

    # Accepted online, with the signed quote attached: the booking is confirmed.
    signed = tmp_path / "devis-signe.pdf"
    signed.write_bytes(b"%PDF-1.4\n% signed\n%%EOF\n")
    page.locator("#q-document").set_input_files(str(signed))
    page.locator("#q-name").fill("Claire Martin")
    page.locator("#q-role").fill("Principale")
    page.locator("#q-statement").check()
    page.locator("#q-accept").click()
    expect(page.locator("#q-status")).to_have_text(texts["accepted"])
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    assert quote.documents.get().kind == "signed_quote"
    # The signed copy is listed on the page and downloads as it was uploaded.
    stored = page.locator(f"a[href*='/documents/{quote.documents.get().sha256}.pdf']")
    expect(stored).to_be_visible()
    assert page.request.get(stored.get_attribute("href")).body() == signed.read_bytes()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.participants == 31
    assert SeatHold.objects.get().released_at is not None

    # The purchase-order number, given later on the same page.
    page.locator("#q-purchase_order_number").fill("BC-2026-118")
    page.locator("#q-order-save").click()
    expect(page.locator("#q-order-saved")).to_have_text(texts["po"])
    booking.refresh_from_db()
    assert booking.purchase_order == "BC-2026-118"
    _fits(page, width)
    _shot(page, f"{name}-accepted")

    page.locator("#q-booking").click()
    expect(page.locator("#status")).to_have_text(texts["confirmed"])
    assert booking.reference in page.locator("h1").inner_text()
    assert unexpected(page.problems) == []


def test_the_quote_pages_pass_axe(axe_page: Any) -> None:  # noqa: F811
    """The quote form, the open quote with its errors shown, and the accepted quote."""
    departure = bookable_departure(capacity=40, days=20, max_participants=40)
    axe_page.goto(f"/itineraries/{departure.itinerary.slug}")
    to_departure_month(axe_page, departure)
    axe_page.locator("button.slot:not(.private)").first.click()
    axe_page.locator("#switch-quote").click()
    axe_page.locator("#q-submit").click()
    axe_page.locator("#b-terms_version-error").wait_for()
    assert audit(axe_page) == []

    response = CommittingAPIClient().post("/api/v1/quotes/", quote_body(departure), format="json")
    quote = response.json()
    axe_page.goto(f"/quotes/{quote['number']}?token={quote['token']}")
    axe_page.locator("#q-accept").click()
    axe_page.locator("#q-statement-error").wait_for()
    assert audit(axe_page) == []
    axe_page.locator("#q-name").fill("Claire Martin")
    axe_page.locator("#q-role").fill("Principale")
    axe_page.locator("#q-statement").check()
    axe_page.locator("#q-accept").click()
    axe_page.locator("#order-form").wait_for()
    assert audit(axe_page) == []
