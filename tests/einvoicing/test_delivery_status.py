"""Where each invoice went and how it stands: in the booking's answer (the group's page) and in
the staff invoice API, contributed by einvoicing through the two apps' answer points."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from einvoicing import services
from einvoicing.models import Delivery
from invoicing.models import Invoice
from tests.fakes.chorus_pro import FakeChorusPro
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

SIRET = "21620041600016"


def _follow(times: int) -> None:
    for _ in range(times):
        Delivery.objects.update(next_check_at=None)
        services.deliveries_follow()


def test_the_groups_booking_shows_each_invoice_channel_status_and_rejection_reason(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.add_structure(SIRET, name="Mairie d'Arras")
    chorus_pro.timeline("MISE_A_DISPOSITION", ("REJETEE", "Numéro d'engagement inconnu"))
    booking = confirmed_booking()
    response = issue(staff_api, booking, "full")
    assert response.status_code == 201, response.content
    number = response.json()["number"]

    def group_answer() -> list[dict[str, Any]]:
        answer = staff_api.get(f"/api/v1/bookings/{booking.reference}/")
        assert answer.status_code == 200, answer.content
        return answer.json()["invoice_deliveries"]

    [row] = group_answer()
    assert (row["invoice"], row["kind"], row["channel"], row["status"]) == (
        number,
        "invoice",
        "chorus_pro",
        "deposited",
    )
    assert row["reason"] == "" and row["since"]
    assert "flux_number" not in row  # the group sees no identifier nor technical error

    _follow(2)
    assert group_answer()[0]["status"] == "made_available"
    _follow(1)
    [row] = group_answer()
    assert (row["status"], row["reason"]) == ("rejected", "Numéro d'engagement inconnu")


def test_with_chorus_pro_off_the_booking_lists_no_delivery(staff_api: Any) -> None:
    booking = confirmed_booking()
    assert issue(staff_api, booking, "full").status_code == 201
    answer = staff_api.get(f"/api/v1/bookings/{booking.reference}/").json()
    assert answer["invoice_deliveries"] == []


def test_the_staff_invoice_api_shows_the_delivery_with_its_identifiers_and_history(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.add_structure(SIRET, name="Mairie d'Arras")
    chorus_pro.timeline(("SUSPENDUE", "Pièce justificative manquante"))
    number = issue(staff_api, confirmed_booking(), "full").json()["number"]
    _follow(2)
    delivery = staff_api.get(f"/api/v1/invoices/{number}/").json()["delivery"]
    assert delivery["channel"] == "chorus_pro"
    assert delivery["status"] == "suspended"
    assert delivery["reason"] == "Pièce justificative manquante"
    assert delivery["flux_number"] == chorus_pro.fluxes[0]
    assert delivery["portal_invoice_id"] == str(chorus_pro.invoices[number].id_cpp)
    assert delivery["attempts"] == 1 and delivery["last_error"] == ""
    assert [step["status"] for step in delivery["history"]] == ["deposited", "suspended"]


def test_an_invoice_without_delivery_answers_null_and_lists_cost_no_query_per_invoice(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.add_structure(SIRET, name="Mairie d'Arras")
    first = issue(staff_api, confirmed_booking(), "full").json()["number"]
    with CaptureQueriesContext(connection) as one:
        listed = staff_api.get("/api/v1/invoices/").json()
    assert listed["results"][0]["delivery"]["status"] == "deposited"
    for _ in range(3):
        issue(staff_api, confirmed_booking(), "full")
    with CaptureQueriesContext(connection) as four:
        listed = staff_api.get("/api/v1/invoices/").json()
    assert len(listed["results"]) == 4
    assert len(four.captured_queries) == len(one.captured_queries)
    Delivery.objects.filter(invoice__number=first).delete()
    assert staff_api.get(f"/api/v1/invoices/{first}/").json()["delivery"] is None
    assert Invoice.objects.filter(number=first).exists()
