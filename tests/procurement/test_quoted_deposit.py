"""The deposit invoice of a quoted booking asks for the deposit of the quote's payment schedule
(invoicing's ``invoicing.deposit_amounts``), not the booking's generic deposit."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking
from procurement.models import DepositRule, PaymentTerms
from tests.bookings.helpers import bookable_departure
from tests.invoicing.helpers import issue, pdf_text
from tests.procurement.helpers import quote_body

pytestmark = pytest.mark.django_db


def _accepted(api: APIClient, organisation_type: str, slug: str) -> tuple[dict[str, Any], Booking]:
    departure = bookable_departure(slug=slug)
    organisation = {**quote_body()["organisation"], "type": organisation_type}
    created = api.post(
        "/api/v1/quotes/", quote_body(departure, organisation=organisation), format="json"
    )
    assert created.status_code == 201, created.content
    quote = created.json()
    accepted = api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Proviseure", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert accepted.status_code == 200, accepted.content
    return quote, Booking.objects.get(reference=accepted.json()["booking"])


def test_a_schools_deposit_invoice_asks_for_the_quotes_70_percent(
    api: APIClient, staff_api: Any
) -> None:
    PaymentTerms.objects.filter(organisation_type="school").update(
        deposit_rule=DepositRule.PERCENT, deposit_percent=70
    )
    quote, booking = _accepted(api, "school", "school-deposit")
    schedule = quote["versions"][0]["payment_schedule"]
    assert schedule["deposit_percent"] == 70
    # the booking's own price keeps the itinerary's rule (30 %): not what is invoiced
    assert booking.price["deposit_percent"] != 70

    response = issue(staff_api, booking, "deposit")
    assert response.status_code == 201, response.content
    invoice = response.json()
    assert invoice["kind"] == "deposit"
    # split over the VAT rates, each rate rounded: within a cent per rate of the schedule's
    assert abs(invoice["total_incl_vat_cents"] - schedule["deposit_cents"]) <= 2
    assert all("Acompte de 70 %" in line["description"] for line in invoice["lines"])
    text = " ".join(pdf_text(staff_api.get(invoice["pdf_url"]).content).split())
    assert "Acompte de 70 %" in text


def test_a_public_bodys_quote_has_no_deposit_so_no_deposit_invoice(
    api: APIClient, staff_api: Any
) -> None:
    _quote, booking = _accepted(api, "public_body", "public-deposit")
    assert booking.price["deposit_cents"] > 0  # the generic rule would have asked for one
    response = issue(staff_api, booking, "deposit")
    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_invoice"


def test_a_booking_without_a_quote_keeps_its_own_deposit(staff_api: Any) -> None:
    from tests.invoicing.helpers import confirmed_booking

    booking = confirmed_booking()
    invoice = issue(staff_api, booking, "deposit").json()
    assert invoice["total_incl_vat_cents"] == booking.price["deposit_cents"]
