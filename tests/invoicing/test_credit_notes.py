"""Credit notes: by hand (full, partial, refused), on cancellation and on fewer participants."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from invoicing import errors
from invoicing.models import Invoice, InvoiceKind, InvoiceSequence
from tests.conftest import assert_problem
from tests.invoicing.helpers import (
    cancel,
    change_participants,
    confirmed_booking,
    issue,
    settle_deposit_invoices,
)

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def _credit(staff_api: Any, number: str, **body: Any) -> Any:
    return staff_api.post(f"/api/v1/invoices/{number}/credit-note/", body, format="json")


def _credit_counter() -> int:
    row = InvoiceSequence.objects.filter(series="AV", year=YEAR).first()
    return row.last_number if row else 0


def test_full_credit_note_mirrors_the_invoice_in_its_own_series(staff_api: Any) -> None:
    invoice = issue(staff_api, confirmed_booking(), "full").json()
    response = _credit(staff_api, invoice["number"], reason="Erreur de facturation")
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["number"] == f"AV{YEAR}-000001"
    assert note["kind"] == "credit_note"
    assert note["credited_invoice"] == invoice["number"]
    assert note["reason"] == "Erreur de facturation"
    assert note["vat_breakdown"] == invoice["vat_breakdown"]
    assert note["total_incl_vat_cents"] == invoice["total_incl_vat_cents"]
    # Nothing left: a second credit note is refused, nothing written, no number taken.
    again = _credit(staff_api, invoice["number"], amount_cents=1, reason="encore")
    body = assert_problem(again, 409, errors.CREDIT_TOO_LARGE, "amount_cents")
    assert body["creditable_cents"] == 0
    assert _credit_counter() == 1


def test_partial_credit_notes_never_exceed_the_invoice(staff_api: Any) -> None:
    invoice = issue(staff_api, confirmed_booking(), "full").json()
    total = invoice["total_incl_vat_cents"]
    first = _credit(staff_api, invoice["number"], amount_cents=10000, reason="Geste").json()
    assert first["total_incl_vat_cents"] == 10000
    assert (
        sum(row["total_excl_vat_cents"] + row["vat_cents"] for row in first["vat_breakdown"])
        == 10000
    )
    count = Invoice.objects.count()
    too_much = _credit(staff_api, invoice["number"], amount_cents=total - 10000 + 1, reason="x")
    body = assert_problem(too_much, 409, errors.CREDIT_TOO_LARGE, "amount_cents")
    assert body["creditable_cents"] == total - 10000
    assert Invoice.objects.count() == count
    assert _credit_counter() == 1
    rest = _credit(staff_api, invoice["number"], reason="Solde").json()
    assert rest["number"] == f"AV{YEAR}-000002"
    assert first["total_incl_vat_cents"] + rest["total_incl_vat_cents"] <= total
    assert total - first["total_incl_vat_cents"] - rest["total_incl_vat_cents"] <= 1


def test_a_credit_note_cannot_be_credited_and_input_is_checked(staff_api: Any) -> None:
    invoice = issue(staff_api, confirmed_booking(), "full").json()
    note = _credit(staff_api, invoice["number"], amount_cents=500, reason="x").json()
    assert_problem(_credit(staff_api, note["number"], reason="x"), 400, errors.NOT_CREDITABLE)
    assert_problem(
        _credit(staff_api, invoice["number"], amount_cents=0, reason="x"),
        400,
        "validation_error",
        "amount_cents",
    )
    assert_problem(_credit(staff_api, invoice["number"]), 400, "validation_error", "reason")
    assert _credit_counter() == 1


def test_cancellation_credits_the_share_the_policy_gives_back(staff_api: Any) -> None:
    # 40 days before the visit the default policy refunds everything: all is credited.
    booking = confirmed_booking()
    deposit = issue(staff_api, booking, "deposit").json()
    settle_deposit_invoices(booking)
    final = issue(staff_api, booking, "final").json()
    result = cancel(booking)
    notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).order_by("number")
    credited = {note.credited_invoice.number: note.total_incl_vat_cents for note in notes}
    assert credited == {
        final["number"]: final["total_incl_vat_cents"],
        deposit["number"]: deposit["total_incl_vat_cents"],
    }
    assert result.refund_percent == 100
    for note in notes:
        assert booking.reference in note.reason
        assert note.lines[0]["description"].startswith(
            f"Avoir sur la facture {note.credited_invoice.number} du "
        )


def test_cancellation_with_a_partial_refund_keeps_the_retained_part_invoiced(
    staff_api: Any,
) -> None:
    booking = confirmed_booking(
        itinerary={
            "cancellation_policy": [
                {"days_before": 60, "refund_percent": 100},
                {"days_before": 0, "refund_percent": 50},
            ]
        }
    )
    deposit = issue(staff_api, booking, "deposit").json()
    cancel(booking)
    (note,) = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE)
    # 50 % of 204.12 goes back; 102.06 stays invoiced as the cancellation charge.
    assert note.total_incl_vat_cents == 10206
    assert note.credited_invoice.number == deposit["number"]
    assert "50 %" in note.reason


def test_fewer_participants_after_invoicing_credit_the_difference(staff_api: Any) -> None:
    booking = confirmed_booking()
    invoice = issue(staff_api, booking, "full").json()
    changed = change_participants(booking, 12)
    (note,) = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE)
    assert note.credited_invoice.number == invoice["number"]
    assert invoice["total_incl_vat_cents"] - note.total_incl_vat_cents == changed.total_cents
    assert "12 participants" in note.reason


def test_fewer_participants_with_only_a_deposit_invoice_change_the_final_invoice(
    staff_api: Any,
) -> None:
    booking = confirmed_booking()
    deposit = issue(staff_api, booking, "deposit").json()
    changed = change_participants(booking, 12)
    assert not Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).exists()
    settle_deposit_invoices(changed)
    final = issue(staff_api, changed, "final").json()
    assert final["total_incl_vat_cents"] + deposit["total_incl_vat_cents"] == changed.total_cents
