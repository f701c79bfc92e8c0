"""The quote PDF read back: the mentions of a French quote, in French and in English."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader
from rest_framework.test import APIClient

from invoicing.services import seller_profile_get
from tests.bookings.helpers import bookable_departure
from tests.factories import schedule
from tests.procurement.helpers import quote_body

pytestmark = pytest.mark.django_db


def pdf_text(api: APIClient, language: str = "fr", **overrides: Any) -> str:
    departure = bookable_departure()
    if language != "fr":
        departure = schedule(departure.itinerary, days=41, capacity=30, language=language)
    body = quote_body(departure, language=language, **overrides)
    created = api.post("/api/v1/quotes/", body, format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    pdf = api.get(quote["links"]["pdf"], HTTP_X_QUOTE_TOKEN=quote["token"])
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_french_quote_carries_its_mentions(api: APIClient) -> None:
    seller = seller_profile_get()
    text = pdf_text(api)
    for mention in [
        "Devis n° D",
        "version 1",
        "Valable jusqu'au",
        seller.legal_name,
        f"SIRET : {seller.siret}",
        "Mairie d'Arras",
        "SIRET : 21620041600016",
        "Code service (Chorus Pro) : SERV-01",
        "Un numéro d'engagement sera communiqué",
        "20 élèves ou étudiants, 1 adulte, 3 accompagnateurs (2 gratuités accompagnateur)",
        "Objectifs pédagogiques",
        "Total HT",
        "Total TTC",
        "Récapitulatif de la TVA",
        "Conditions de paiement",
        "à 30 jours à réception de la facture",
        "Indemnité forfaitaire pour frais de recouvrement : 40 €",
        # a public buyer: the law's interest, not the seller's penalties
        "Intérêts moratoires en cas de retard de paiement : taux de la BCE",
        "majoré de 8 points",
        seller.vat_regime_mention,
        "Conditions d'annulation",
        "Bon pour accord",
    ]:
        assert mention in text, mention
    assert "1 adultes" not in text
    assert seller.late_payment_mention not in text


def test_the_english_quote(api: APIClient) -> None:
    seller = seller_profile_get()
    seller.vat_regime_mention_en = "VAT paid on receipts"
    seller.late_payment_mention_en = "ECB refinancing rate plus 10 points"
    seller.save()
    text = pdf_text(
        api,
        language="en",
        organisation={"name": "Acme Ltd", "type": "company", "siret": "", "vat_number": ""},
        categories={"pupils": 20, "adults": 1, "staff": 1},
    )
    for mention in [
        "Quote n° D",
        "Valid until",
        "20 pupils or students, 1 adult, 1 accompanying staff (1 free place for staff)",
        "Late payment penalties : ECB refinancing rate plus 10 points.",
        "VAT paid on receipts",
        "Total incl. VAT",
        "Deposit of 30 %",
        "Cancellation conditions",
        "Approval (bon pour accord)",
    ]:
        assert mention in text, mention
    assert "Devis" not in text
    assert seller.vat_regime_mention not in text and seller.late_payment_mention not in text


def test_an_english_quote_without_english_mentions_prints_the_sellers_french_ones(
    api: APIClient,
) -> None:
    seller = seller_profile_get()
    text = pdf_text(
        api,
        language="en",
        organisation={"name": "Acme Ltd", "type": "company", "siret": "", "vat_number": ""},
    )
    assert f"Late payment penalties : {seller.late_payment_mention}." in text
    assert seller.vat_regime_mention in text


def _pages(api: APIClient, language: str, **overrides: Any) -> list[str]:
    departure = bookable_departure()
    if language != "fr":
        departure = schedule(departure.itinerary, days=41, capacity=30, language=language)
    created = api.post(
        "/api/v1/quotes/", quote_body(departure, language=language, **overrides), format="json"
    )
    assert created.status_code == 201, created.content
    quote = created.json()
    pdf = api.get(quote["links"]["pdf"], HTTP_X_QUOTE_TOKEN=quote["token"])
    reader = PdfReader(io.BytesIO(pdf.content))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


LONG_OBJECTIVES = "\n".join(
    [
        "Comprendre la reconversion d'un ancien bassin minier en territoire de la transition.",
        "Lire un paysage : terrils, cités minières, chevalements et leur patrimoine mondial.",
        "Relier énergie, biodiversité et urbanisme dans un projet de territoire.",
        "Préparer un exposé de groupe à partir des observations de la visite.",
        "Rencontrer des acteurs locaux et comprendre leurs métiers.",
    ]
)


@pytest.mark.parametrize(
    ("language", "agreement", "total"),
    [
        ("fr", "Bon pour accord", "Total TTC"),
        ("en", "Approval (bon pour accord)", "Total incl. VAT"),
    ],
)
def test_the_agreement_block_stays_with_the_totals(
    api: APIClient, language: str, agreement: str, total: str
) -> None:
    """A quote long enough to fill its first page: the "bon pour accord" block never lands on a
    page of its own, it follows the totals (and the terms between them) onto the same page."""
    pages = _pages(api, language, options=["lunch"], objectives=LONG_OBJECTIVES)
    with_agreement = [text for text in pages if agreement in text]
    assert len(with_agreement) == 1, pages
    assert total in with_agreement[0], pages
