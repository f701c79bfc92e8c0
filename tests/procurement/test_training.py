"""The training variant of a quote (issue 16, item 5): the buyer says the visit is funded as
professional training; the version keeps it, the quote answers a training agreement
(convention de formation) beside its PDF with the same token rules, acceptance marks the
booking ``training``, and an exempt seller quotes and invoices it without VAT."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from bookings.models import Booking, BookingEvent
from procurement.models import QuoteVersion
from tests.bookings.helpers import bookable_departure
from tests.conftest import assert_problem
from tests.factories import schedule
from tests.guides.helpers import assign, make_guide
from tests.procurement.helpers import quote_body
from tests.procurement.test_quotes_api import accept, ask

pytestmark = pytest.mark.django_db

COMPANY = {"name": "Verrerie du Nord", "type": "company", "siret": "44306184100047"}


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _agreement(api: APIClient, quote: dict[str, Any], token: str | None = None) -> Any:
    return api.get(
        f"/api/v1/quotes/{quote['number']}/training-agreement.pdf",
        HTTP_X_QUOTE_TOKEN=token if token is not None else quote["token"],
    )


def test_a_training_quote_answers_its_agreement_in_french(api: APIClient, settings: Any) -> None:
    settings.SELLER_TRAINING_DECLARATION_NUMBER = "32 62 01234 62"
    departure = bookable_departure(capacity=60)
    quote = ask(api, departure, organisation=COMPANY, training=True)
    assert quote["versions"][0]["training"] is True
    link = f"/api/v1/quotes/{quote['number']}/training-agreement.pdf"
    assert quote["links"]["training_agreement"] == link
    response = _agreement(api, quote)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = _text(response.content)
    assert "Convention de formation professionnelle" in text
    assert "L6353-1" in text
    assert "Verrerie du Nord" in text
    assert "Déclaration d'activité enregistrée sous le numéro 32 62 01234 62" in text
    assert "Comprendre la transition énergétique" in text  # the quote's objectives
    assert "Durée : 1,5 heures." in text  # one stop of 90 minutes
    assert "Guides-formateurs à désigner" in text  # none assigned yet
    assert "Nombre de stagiaires : 24" in text
    assert "feuille d'émargement par demi-journée" in text
    assert "Pour le bénéficiaire" in text and "Pour l'organisme de formation" in text


def test_the_agreement_names_the_assigned_guides_and_omits_an_unset_declaration(
    api: APIClient, settings: Any
) -> None:
    settings.SELLER_TRAINING_DECLARATION_NUMBER = ""
    french = bookable_departure(capacity=60, languages=["fr", "en"])
    departure = schedule(french.itinerary, days=41, capacity=60, language="en")
    assign(departure, make_guide(display_name="Aline Guide", languages=["fr", "en"]))
    quote = ask(api, departure, organisation=COMPANY, training=True, language="en")
    text = _text(_agreement(api, quote).content)
    assert "Professional training agreement" in text
    assert "Aline Guide" in text
    assert "to be named" not in text
    assert "Declaration of activity" not in text and "déclaration" not in text.lower()


def test_no_agreement_for_a_quote_that_is_not_training_nor_without_the_token(
    api: APIClient,
) -> None:
    departure = bookable_departure(capacity=60)
    plain = ask(api, departure)
    assert "training_agreement" not in plain["links"]
    assert plain["versions"][0]["training"] is False
    assert_problem(_agreement(api, plain), 404, "quote_not_training")
    training = ask(api, departure, organisation=COMPANY, training=True)
    assert_problem(_agreement(api, training, token="wrong"), 404, "quote_not_found")


def test_accepting_a_training_quote_marks_its_booking_training(api: APIClient) -> None:
    departure = bookable_departure(capacity=60)
    quote = ask(api, departure, organisation=COMPANY, training=True)
    response = accept(api, quote)
    assert response.status_code == 200, response.content
    booking = Booking.objects.get(reference=response.json()["booking"])
    assert booking.training is True
    event = BookingEvent.objects.get(booking=booking, action="training_set")
    assert event.data == {"training": True, "reason": f"quote {quote['number']}"}
    plain = ask(api, departure)
    booking = Booking.objects.get(reference=accept(api, plain).json()["booking"])
    assert booking.training is False


def test_an_exempt_seller_quotes_training_without_vat(api: APIClient, settings: Any) -> None:
    settings.SELLER_TRAINING_VAT_EXEMPT = True
    departure = bookable_departure(capacity=60)
    quote = ask(api, departure, organisation=COMPANY, training=True)
    price = quote["price"]
    assert price["vat_cents"] == 0
    assert price["total_cents"] == price["total_excl_vat_cents"]
    assert {line["vat_rate"] for line in price["lines"]} == {"0.00"}
    version = QuoteVersion.objects.get(quote__number=quote["number"])
    text = _text(bytes(version.pdf))
    assert "Exonération de TVA, article 261-4-4° a du CGI" in text
    agreement = _text(_agreement(api, quote).content)
    assert "Exonération de TVA, article 261-4-4° a du CGI" in agreement
    # Without the setting, the same training quote carries its VAT.
    settings.SELLER_TRAINING_VAT_EXEMPT = False
    taxed = ask(api, departure, organisation=COMPANY, training=True)
    assert taxed["price"]["vat_cents"] > 0


def test_training_is_a_boolean(api: APIClient) -> None:
    departure = bookable_departure(capacity=60)
    response = api.post("/api/v1/quotes/", quote_body(departure, training="maybe"), format="json")
    assert_problem(response, 400, "invalid", field="training")
