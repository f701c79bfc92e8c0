"""Issuing invoices over HTTP: numbering, kinds, amounts, refusals, listing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from celery.app.task import Task
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from bookings.models import BookingStatus
from invoicing import errors
from invoicing.models import Invoice, InvoiceSequence
from tests.conftest import assert_problem
from tests.invoicing.helpers import cancel, confirmed_booking, issue, settle_deposit_invoices

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def _counter(series: str = "F") -> int:
    row = InvoiceSequence.objects.filter(series=series, year=YEAR).first()
    return row.last_number if row else 0


def test_deposit_then_final_invoice_are_numbered_in_one_series_and_add_up(staff_api: Any) -> None:
    booking = confirmed_booking()
    deposit = issue(staff_api, booking, "deposit")
    assert deposit.status_code == 201, deposit.content
    body = deposit.json()
    assert body["number"] == f"F{YEAR}-000001"
    assert body["kind"] == "deposit"
    # 30 % of 680.40, split over the two rates in proportion: 81.00 + 16.20 and 97.20 + 9.72.
    assert [(row["vat_rate"], row["total_excl_vat_cents"]) for row in body["lines"]] == [
        ("20.00", 8100),
        ("10.00", 9720),
    ]
    assert body["vat_breakdown"] == [
        {"vat_rate": "20.00", "vat_category": "S", "total_excl_vat_cents": 8100, "vat_cents": 1620},
        {"vat_rate": "10.00", "vat_category": "S", "total_excl_vat_cents": 9720, "vat_cents": 972},
    ]
    assert body["total_incl_vat_cents"] == booking.price["deposit_cents"] == 20412

    settle_deposit_invoices(booking)
    final = issue(staff_api, booking, "final")
    assert final.status_code == 201, final.content
    body = final.json()
    assert body["number"] == f"F{YEAR}-000002"
    assert (body["kind"], body["purpose"]) == ("invoice", "final")
    assert body["deposits_deducted_cents"] == 20412
    deducted = [row for row in body["lines"] if row["quantity"] == -1]
    assert [row["total_excl_vat_cents"] for row in deducted] == [-8100, -9720]
    assert f"F{YEAR}-000001" in deducted[0]["description"]
    assert body["total_excl_vat_cents"] == 27000 + 32400 - 8100 - 9720
    assert body["vat_cents"] == 3780 + 2268
    assert body["total_incl_vat_cents"] + 20412 == booking.total_cents == 68040
    assert body["amount_due_cents"] == body["total_incl_vat_cents"]
    assert body["due_date"] == (timezone.localdate() + timedelta(days=30)).isoformat()


def test_full_invoice_carries_the_booking_price_and_is_emailed_with_its_pdf(
    staff_api: Any,
) -> None:
    booking = confirmed_booking()
    response = issue(staff_api, booking, "full")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["total_incl_vat_cents"] == booking.total_cents
    assert body["vat_breakdown"] == [
        {**row, "vat_category": "S"} for row in booking.price["vat_breakdown"]
    ]
    assert body["buyer"]["siret"] == "21620041600016"
    assert body["buyer"]["purchase_order"] == "EJ-2026-0042"
    invoice = Invoice.objects.get(number=body["number"])
    assert bytes(invoice.pdf).startswith(b"%PDF-")
    sent = [m for m in mail.outbox if body["number"] in m.subject]
    assert len(sent) == 1
    assert sent[0].to == ["claire@example.org"]
    assert sent[0].attachments[0][0] == f"{body['number']}.pdf"


def test_a_broker_outage_still_answers_the_invoice_and_sends_it(
    staff_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = confirmed_booking()
    mail.outbox.clear()

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    response = issue(staff_api, booking, "full")
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert [m.subject for m in mail.outbox if number in m.subject]  # delivered in the request
    assert bytes(Invoice.objects.get(number=number).pdf).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [
        ("deposit", "deposit", errors.ALREADY_INVOICED),
        ("full", "full", errors.ALREADY_INVOICED),
        ("full", "final", errors.ALREADY_INVOICED),
        ("full", "deposit", errors.ALREADY_INVOICED),
        ("deposit", "full", errors.KIND_NOT_ALLOWED),
        (None, "final", errors.KIND_NOT_ALLOWED),
    ],
)
def test_issuing_what_cannot_be_issued_is_refused_without_consuming_a_number(
    staff_api: Any, first: str | None, second: str, code: str
) -> None:
    booking = confirmed_booking()
    if first:
        assert issue(staff_api, booking, first).status_code == 201
    count, counter = Invoice.objects.count(), _counter()
    assert_problem(issue(staff_api, booking, second), 409, code, "kind")
    assert (Invoice.objects.count(), _counter()) == (count, counter)


def test_a_final_invoice_for_a_cancelled_booking_is_refused(staff_api: Any) -> None:
    booking = confirmed_booking()
    assert issue(staff_api, booking, "deposit").status_code == 201
    cancel(booking)
    count, counter = Invoice.objects.count(), _counter()
    body = assert_problem(
        issue(staff_api, booking, "final"), 409, errors.BOOKING_NOT_INVOICEABLE, "booking"
    )
    assert body["current_status"] == BookingStatus.CANCELLED
    assert Invoice.objects.exclude(kind="credit_note").count() == 1
    assert _counter() == counter
    assert Invoice.objects.count() == count


def test_unknown_booking_and_unknown_kind_are_refused(staff_api: Any) -> None:
    response = staff_api.post(
        "/api/v1/invoices/", {"booking": "VA-000000", "kind": "full"}, format="json"
    )
    assert_problem(response, 404, errors.BOOKING_NOT_FOUND, "booking")
    booking = confirmed_booking()
    response = staff_api.post(
        "/api/v1/invoices/", {"booking": booking.reference, "kind": "proforma"}, format="json"
    )
    assert_problem(response, 400, "validation_error", "kind")
    assert not Invoice.objects.exists()
    assert _counter() == 0


def test_the_same_idempotency_key_replays_the_invoice_instead_of_issuing_another(
    staff_api: Any,
) -> None:
    booking = confirmed_booking()
    body = {"booking": booking.reference, "kind": "full"}
    first = staff_api.post("/api/v1/invoices/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = staff_api.post("/api/v1/invoices/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert Invoice.objects.count() == 1


def test_only_staff_reach_invoices(api: Any, staff_api: Any) -> None:
    booking = confirmed_booking()
    number = issue(staff_api, booking, "full").json()["number"]
    for path in [
        "/api/v1/invoices/",
        f"/api/v1/invoices/{number}/",
        f"/api/v1/invoices/{number}/pdf",
        "/api/v1/invoices/export.csv",
    ]:
        assert api.get(path).status_code in (401, 403), path
    response = api.post("/api/v1/invoices/", {"booking": booking.reference, "kind": "full"})
    assert response.status_code in (401, 403)


def test_list_filters_by_kind_booking_and_dates_in_constant_queries(
    staff_api: Any, django_assert_num_queries: Any
) -> None:
    first, second = confirmed_booking(), confirmed_booking()
    issue(staff_api, first, "deposit")
    settle_deposit_invoices(first)
    issue(staff_api, first, "final")
    issue(staff_api, second, "full")
    today = timezone.localdate().isoformat()
    # session-less forced auth: count, page
    with django_assert_num_queries(2):
        response = staff_api.get("/api/v1/invoices/")
    assert response.json()["count"] == 3
    kinds = staff_api.get("/api/v1/invoices/?kind=deposit").json()["results"]
    assert [row["number"] for row in kinds] == [f"F{YEAR}-000001"]
    mine = staff_api.get(f"/api/v1/invoices/?booking={second.reference}").json()["results"]
    assert [row["number"] for row in mine] == [f"F{YEAR}-000003"]
    assert staff_api.get(f"/api/v1/invoices/?from={today}&to={today}").json()["count"] == 3
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert staff_api.get(f"/api/v1/invoices/?from={tomorrow}").json()["count"] == 0


def test_unknown_invoice_number_is_a_problem(staff_api: Any) -> None:
    assert_problem(
        staff_api.get(f"/api/v1/invoices/F{YEAR}-999999/"), 404, errors.INVOICE_NOT_FOUND
    )
    assert_problem(
        staff_api.get(f"/api/v1/invoices/F{YEAR}-999999/pdf"), 404, errors.INVOICE_NOT_FOUND
    )
    response = staff_api.post(
        f"/api/v1/invoices/F{YEAR}-999999/credit-note/", {"reason": "x"}, format="json"
    )
    assert_problem(response, 404, errors.INVOICE_NOT_FOUND)
