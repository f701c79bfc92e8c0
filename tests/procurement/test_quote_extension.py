"""An extension re-renders the quote's PDF as a new version (new validity, new deposit due
date, same frozen price); the PDF sent before stays readable."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from core.dates import format_date
from procurement.models import Quote, QuoteEvent, QuoteVersion
from tests.bookings.helpers import bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.procurement.helpers import quote_body, quote_staff
from tests.procurement.test_quotes_api import accept

pytestmark = pytest.mark.django_db


def _text(api: APIClient, quote: dict[str, Any], version: int) -> str:
    pdf = api.get(f"{quote['links']['pdf']}?version={version}", HTTP_X_QUOTE_TOKEN=quote["token"])
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_an_extension_is_a_new_pdf_and_the_one_sent_before_stays_readable(
    api: APIClient,
) -> None:
    office = CommittingAPIClient()
    office.force_authenticate(quote_staff(username="quotes"))
    organisation = {**quote_body()["organisation"], "type": "company", "name": "Énergies SA"}
    created = api.post(
        "/api/v1/quotes/",
        quote_body(bookable_departure(), organisation=organisation),
        format="json",
    )
    assert created.status_code == 201, created.content
    quote = created.json()
    first = QuoteVersion.objects.get(version=1)
    first_pdf = bytes(first.pdf)
    old_day = format_date(first.valid_until, "fr")
    assert first.payment_schedule["deposit_cents"] > 0  # the itinerary's deposit, with its date

    extended = office.post(f"/api/v1/quotes/{quote['number']}/extend/", {"days": 20}, format="json")
    assert extended.status_code == 200, extended.content
    body = extended.json()
    assert body["version"] == 2
    assert [v["superseded"] for v in body["versions"]] in ([True, False], [False, True])

    stored = Quote.objects.get()
    second = QuoteVersion.objects.get(version=2)
    new_day = format_date(stored.valid_until, "fr")
    assert new_day != old_day
    assert second.valid_until == stored.valid_until
    assert (second.price, second.total_cents) == (first.price, first.total_cents)
    local_day = timezone.localtime(stored.valid_until).date()
    assert second.payment_schedule["deposit_due"] == local_day.isoformat()
    assert second.pdf_sha256 != first.pdf_sha256

    old_text, new_text = _text(api, quote, 1), _text(api, quote, 2)
    assert f"Valable jusqu'au : {old_day}" in old_text
    assert f"au plus tard le {old_day}" in old_text  # the deposit's due date sent first
    assert f"Valable jusqu'au : {new_day}" in new_text
    assert f"au plus tard le {new_day}" in new_text
    first.refresh_from_db()
    assert bytes(first.pdf) == first_pdf and first.superseded_at is not None
    assert QuoteEvent.objects.get(action="extended").data["version"] == 2

    # the version read before the extension can no longer be accepted; the new one can
    assert_problem(accept(api, quote, version=1), 409, "quote_superseded", "version")
    accepted = accept(api, quote, version=2)
    assert accepted.status_code == 200, accepted.content
    assert stored.acceptance.pdf_sha256 == second.pdf_sha256
