"""Issue 16's "Show", in a real browser: a school asks for a quote for 28 pupils and 3
teachers from the web app, receives it by e-mail, accepts it online on the quote page and gives
its order and commitment numbers; after the visit, staff record who came in the admin (wrong
figures first); the certificate of delivery and the final invoice (order and commitment
numbers, service code, due in 30 days) are produced, the Factur-X XML is valid (XSD and EN 16931
schematron), and the school finds the certificate on its quote and booking pages. French at
desktop width, English at phone width."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import facturx
import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Booking
from invoicing.models import Invoice
from itineraries.models import Departure
from procurement.models import Delivery, Quote, QuoteStatus, ServiceCertification
from tests.bookings.helpers import VALID_SIRET, bookable_departure
from tests.e2e.conftest import SCREENSHOTS, shoot
from tests.e2e.test_admin_journey import sign_in
from tests.e2e.test_frontend import to_departure_month, unexpected
from tests.invoicing.schematron import fatal_failures
from tests.procurement.helpers import visit_took_place
from tests.procurement.test_delivery import text_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/quotes/D\d{4}-\d{6}\?token=[-_A-Za-z0-9]+")

TEXTS = {
    "fr": {
        "title": "Base 11/19 et terrils jumeaux",
        "ask": "Demander un devis",
        "terms": "J'accepte les conditions générales de vente",
        "accepted": "Accepté",
        "certificate": "Attestation de service fait",
        "certificate_link": "Attestation de service fait (PDF)",
        "pupils": "Élèves ou étudiants 28 27",
        "paris": "(heure de Paris)",
    },
    "en": {
        "title": "Base 11/19 and the twin slag heaps",
        "ask": "Ask for a quote",
        "terms": "I accept the terms of sale",
        "accepted": "Accepted",
        "certificate": "Certificate of delivery",
        "certificate_link": "Certificate of delivery (PDF)",
        "pupils": "Pupils or students 28 27",
        "paris": "(Paris time)",
    },
}


def ask_for_a_quote(page: Any, departure: Departure, texts: dict[str, str]) -> Quote:
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.get_by_role("heading", level=1, name=texts["title"]).wait_for()
    to_departure_month(page, departure)
    page.locator("button.slot:not(.private)").first.click()
    page.locator("#switch-quote").click()
    page.get_by_role("heading", name=texts["ask"]).wait_for()
    page.locator("#b-categories-pupils").fill("28")
    page.locator("#b-categories-staff").fill("3")
    page.locator("#b-organisation-name").fill("Collège Jean Jaurès")
    page.locator("#b-organisation-type").select_option("school")
    page.locator("#b-organisation-siret").fill(VALID_SIRET)
    page.locator("#b-contact-name").fill("Claire Martin")
    page.locator("#b-contact-email").fill("claire@example.org")
    page.locator("#b-billing-address").fill("1 rue de l'École")
    page.locator("#b-billing-postal_code").fill("62750")
    page.locator("#b-billing-city").fill("Loos-en-Gohelle")
    page.locator("#b-billing-service_code").fill("SERV-COLLEGE")
    page.locator("#b-commitment_number_follows").check()
    page.get_by_label(texts["terms"]).check()
    page.locator("#q-submit").click()
    page.locator("#quote-sent").wait_for()
    return Quote.objects.get()


def record_the_delivery_in_the_admin(page: Any, quote: Quote, name: str) -> None:
    sign_in(page)
    page.goto(f"/admin/procurement/quote/{quote.pk}/change/")
    page.locator("#record-delivery").click()
    # Prefilled with the booked figures (the guide recorded no check-in).
    expect(page.locator("#id_pupils")).to_have_value("28")
    expect(page.locator("#id_staff")).to_have_value("3")
    # Wrong input: more people than booked; the form says so and nothing is written.
    page.locator("#id_pupils").fill("40")
    page.locator("#delivery-form input[type=submit]").click()
    expect(page.locator(".errorlist")).to_contain_text("31")
    assert not Delivery.objects.exists()
    shoot(page, f"{name}-admin-delivery-errors")
    page.locator("#id_pupils").fill("27")
    page.locator("#delivery-form input[type=submit]").click()
    page.wait_for_url(f"**/admin/procurement/quote/{quote.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("F20")
    expect(page.locator("#delivery-certificate")).to_be_visible()
    shoot(page, f"{name}-admin-delivered")


@pytest.mark.parametrize(("lang", "width"), [("fr", 1280), ("en", 390)])
def test_a_schools_quote_is_accepted_delivered_certified_and_invoiced(
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
    name = f"quote-delivery-{lang}-{width}"

    quote = ask_for_a_quote(page, departure, texts)

    # The e-mail carries the secret link; the school accepts online on the quote page.
    (message,) = mail.outbox
    link = LINK.search(message.body)
    assert link, message.body
    parts = urlsplit(link.group())
    quote_page = f"{parts.path}?{parts.query}"
    page.goto(quote_page)
    page.locator("#q-name").fill("Claire Martin")
    page.locator("#q-role").fill("Principale")
    page.locator("#q-statement").check()
    page.locator("#q-accept").click()
    expect(page.locator("#q-status")).to_have_text(texts["accepted"])
    page.locator("#q-purchase_order_number").fill("BC-2026-118")
    page.locator("#q-commitment_number").fill("EJ-0042")
    page.locator("#q-order-save").click()
    expect(page.locator("#q-order-saved")).to_contain_text("EJ-0042")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.ACCEPTED
    booking = Booking.objects.get()
    assert booking.participants == 31

    # The visit takes place; staff record who came, in the admin.
    visit_took_place(booking)
    record_the_delivery_in_the_admin(page, quote, name)

    delivery = Delivery.objects.get()
    assert (delivery.pupils, delivery.adults, delivery.staff) == (27, 0, 3)
    assert ServiceCertification.objects.filter(quote=quote).exists()
    certificate = page.request.get(page.locator("#delivery-certificate").get_attribute("href"))
    text = text_of(certificate.body())
    for expected in (
        texts["certificate"],
        "Collège Jean Jaurès",
        quote.number,
        "BC-2026-118",
        "EJ-0042",
        "SERV-COLLEGE",
        texts["pupils"],
        texts["paris"],
    ):
        assert expected in text, (expected, text)

    # The final invoice: order and commitment numbers, the service code, due in 30 days.
    invoice = Invoice.objects.get()
    assert invoice.due_date == invoice.issue_date + timedelta(days=30)
    pdf = page.request.get(f"/api/v1/invoices/{invoice.number}/pdf").body()
    invoice_text = text_of(pdf)
    for expected in ("BC-2026-118", "EJ-0042", "SERV-COLLEGE", quote.number):
        assert expected in invoice_text, (expected, invoice_text)
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert fatal_failures(xml) == []

    # The school finds the certificate on its quote page and on its booking page.
    page.set_viewport_size({"width": width, "height": 900})  # the admin's shots changed it
    page.goto(quote_page)
    expect(page.locator("#q-delivery")).to_have_text(texts["certificate_link"])
    got = page.request.get(page.locator("#q-delivery").get_attribute("href"))
    assert got.status == 200 and got.body().startswith(b"%PDF-")
    page.locator("#q-booking").click()
    expect(page.locator("#delivery-certificate")).to_have_text(texts["certificate_link"])
    got = page.request.get(page.locator("#delivery-certificate").get_attribute("href"))
    assert got.status == 200 and got.body().startswith(b"%PDF-")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#delivery-section").screenshot(path=str(SCREENSHOTS / f"{name}-booking.png"))
    assert unexpected(page.problems) == []
