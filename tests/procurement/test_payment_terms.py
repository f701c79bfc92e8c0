"""Payment terms by buyer type as seller settings, and the due dates the quote prints: one
function (``procurement.terms.payment_schedule``), the law's limits in the database and the
admin, the schedule frozen on the version and read back from the PDF."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from procurement.models import DepositRule, PaymentMethods, PaymentTerms
from procurement.terms import payment_schedule
from tests.bookings.helpers import bookable_departure
from tests.factories import UserFactory
from tests.procurement.helpers import quote_body

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PRICE = {"total_cents": 100_000, "deposit_percent": 30, "deposit_cents": 30_000}
VISIT = datetime(2027, 3, 10, 9, 30, tzinfo=PARIS)
VALID = datetime(2027, 1, 31, 23, 0, tzinfo=PARIS)


def _schedule(kind: str, **terms: Any) -> dict[str, Any]:
    if terms:
        PaymentTerms.objects.filter(organisation_type=kind).update(**terms)
    return payment_schedule(organisation_type=kind, price=PRICE, starts_at=VISIT, valid_until=VALID)


def test_the_seeded_terms_follow_the_buyer_type() -> None:
    public = _schedule("public_body")
    assert public == {
        "organisation_type": "public_body",
        "methods": "transfer",
        "days_after_invoice": 30,
        "deposit_percent": 0,
        "deposit_cents": 0,
        "deposit_due": None,
        "balance_cents": 100_000,
        "invoice_after": "2027-03-10",
        "balance_due": "2027-04-09",
    }
    assert _schedule("school")["deposit_cents"] == 0
    company = _schedule("company")  # the itinerary's deposit rule, by card or transfer
    assert (company["methods"], company["deposit_percent"], company["deposit_cents"]) == (
        "card_or_transfer",
        30,
        30_000,
    )
    assert company["deposit_due"] == "2027-01-31" and company["balance_cents"] == 70_000


def test_a_school_deposit_set_by_the_seller_is_computed_on_the_total() -> None:
    school = _schedule("school", deposit_rule=DepositRule.PERCENT, deposit_percent=70)
    assert (school["deposit_percent"], school["deposit_cents"], school["balance_cents"]) == (
        70,
        70_000,
        30_000,
    )
    odd = payment_schedule(
        organisation_type="school",
        price={"total_cents": 33_333},
        starts_at=VISIT,
        valid_until=VALID,
    )
    assert odd["deposit_cents"] == 23_333 and odd["balance_cents"] == 10_000  # half-up, summed


def test_a_missing_row_falls_back_to_transfer_in_30_days_without_deposit() -> None:
    PaymentTerms.objects.filter(organisation_type="association").delete()
    fallback = _schedule("association")
    assert (fallback["methods"], fallback["deposit_cents"], fallback["days_after_invoice"]) == (
        PaymentMethods.TRANSFER,
        0,
        30,
    )


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("school", {"deposit_rule": "percent", "deposit_percent": 71}),
        ("public_body", {"days_after_invoice": 45}),
        ("school", {"days_after_invoice": 31}),
        ("company", {"deposit_percent": 101}),
    ],
)
def test_the_database_refuses_terms_the_law_does_not_allow(kind: str, change: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentTerms.objects.filter(organisation_type=kind).update(**change)


def test_the_admin_says_why_and_changes_nothing() -> None:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    row = PaymentTerms.objects.get(organisation_type="school")
    url = f"/admin/procurement/paymentterms/{row.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "organisation_type": "school",
            "days_after_invoice": 30,
            "deposit_rule": "percent",
            "deposit_percent": 80,
            "methods": "transfer",
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    page = response.content.decode()
    assert "A school&#x27;s deposit is 70 % at most." in page or (
        "L&#x27;acompte d&#x27;un établissement scolaire est de 70 % au plus." in page
    ), page[:2000]
    row.refresh_from_db()
    assert row.deposit_percent == 0


def _pdf_text(api: APIClient, departure: Any, organisation_type: str) -> tuple[dict[str, Any], str]:
    body = quote_body(departure)
    body["organisation"]["type"] = organisation_type
    created = api.post("/api/v1/quotes/", body, format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    pdf = api.get(quote["links"]["pdf"], HTTP_X_QUOTE_TOKEN=quote["token"])
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(pdf.content)).pages
    )
    return quote, text


def _fr(day: str) -> str:
    from core.dates import format_date

    moment = datetime.fromisoformat(day).replace(hour=12, tzinfo=PARIS)
    return format_date(moment, "fr")


def test_the_quote_prints_the_terms_and_due_dates_of_its_buyer_type(api: APIClient) -> None:
    departure = bookable_departure(capacity=60)
    quote, text = _pdf_text(api, departure, "public_body")
    schedule = quote["versions"][0]["payment_schedule"]
    starts = timezone.localtime(datetime.fromisoformat(quote["versions"][0]["starts_at"]))
    assert schedule["balance_due"] == (starts.date() + timedelta(days=30)).isoformat()
    assert "Paiement par virement à 30 jours à réception de la facture" in text
    assert "Pas d'acompte." in text
    assert "Échéancier" in text
    assert f"le {_fr(schedule['balance_due'])} pour une facture émise et reçue le jour" in text

    # The seller asks schools for a 30 % deposit: the next school quote says so, with its date.
    PaymentTerms.objects.filter(organisation_type="school").update(
        deposit_rule=DepositRule.PERCENT, deposit_percent=30
    )
    quote, text = _pdf_text(api, departure, "school")
    schedule = quote["versions"][0]["payment_schedule"]
    assert schedule["deposit_percent"] == 30
    assert "Acompte de 30 %" in text
    assert f"au plus tard le {_fr(schedule['deposit_due'])}" in text
