"""Quote acceptance runs the booking's placement checks: a public buyer whose Chorus Pro structure
requires a service code or a commitment number cannot accept a quote without them (its invoice
would be rejected); the portal unreachable never blocks an acceptance."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from bookings.models import Booking
from procurement.models import Quote, QuoteStatus
from tests.bookings.helpers import VALID_SIRET, bookable_departure
from tests.conftest import assert_problem
from tests.fakes.chorus_pro import FakeChorusPro
from tests.procurement.helpers import quote_body

pytestmark = pytest.mark.django_db

SERVICES = [{"codeService": "SERV-01", "libelleService": "Culture", "estActif": True}]
PDF = b"%PDF-1.4\n% a purchase order\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _strict(fake: FakeChorusPro, *, service: bool = True, commitment: bool = True) -> None:
    fake.add_structure(
        VALID_SIRET,
        name="Mairie d'Arras",
        service_code_required=service,
        commitment_required=commitment,
        services=SERVICES,
    )


def _ask(api: APIClient, **billing: str) -> dict[str, Any]:
    body = quote_body(bookable_departure(capacity=60))
    body["billing"].update(billing)
    response = api.post("/api/v1/quotes/", body, format="json")
    assert response.status_code == 201, response.content
    answer: dict[str, Any] = response.json()
    return answer


def _accept(api: APIClient, quote: dict[str, Any]) -> Any:
    return api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Maire adjointe", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )


def _still_open(quote: dict[str, Any]) -> None:
    assert Quote.objects.get(number=quote["number"]).status == QuoteStatus.SENT
    assert not Booking.objects.exists()


def test_a_quote_without_the_service_code_its_structure_requires_is_not_accepted(
    api: APIClient, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro, commitment=False)
    quote = _ask(api, service_code="")
    body = assert_problem(_accept(api, quote), 400, "service_code_required", "billing.service_code")
    assert body["services"] == [{"code": "SERV-01", "name": "Culture"}]
    _still_open(quote)


def test_a_quote_without_the_commitment_number_is_not_accepted_online(
    api: APIClient, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    quote = _ask(api, purchase_order="")
    assert_problem(_accept(api, quote), 400, "commitment_number_required", "billing.purchase_order")
    _still_open(quote)


def test_the_commitment_number_given_with_the_purchase_order_accepts_it(
    api: APIClient, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    quote = _ask(api, purchase_order="")
    response = api.post(
        f"/api/v1/quotes/{quote['number']}/purchase-order/",
        {
            "document": SimpleUploadedFile("bc.pdf", PDF, content_type="application/pdf"),
            "name": "Claire Martin",
            "role": "Maire adjointe",
            "statement": "true",
            "commitment_number": "EJ-2026-0099",
        },
        format="multipart",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert response.status_code == 200, response.content
    booking = Booking.objects.get()
    assert (booking.service_code, booking.purchase_order) == ("SERV-01", "EJ-2026-0099")
    assert Quote.objects.get().status == QuoteStatus.ACCEPTED


def test_a_quote_giving_what_the_structure_requires_is_accepted(
    api: APIClient, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    quote = _ask(api, service_code="SERV-01", purchase_order="EJ-2026-0042")
    response = _accept(api, quote)
    assert response.status_code == 200, response.content
    assert Booking.objects.get().purchase_order == "EJ-2026-0042"
    assert chorus_pro.calls("/cpro/structures/v1/consulter")


def test_the_portal_stopped_never_blocks_an_acceptance(
    api: APIClient, chorus_pro: FakeChorusPro
) -> None:
    _strict(chorus_pro)
    quote = _ask(api, service_code="", purchase_order="")
    chorus_pro.stop()
    response = _accept(api, quote)
    assert response.status_code == 200, response.content
    assert Booking.objects.count() == 1
