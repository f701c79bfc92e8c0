"""No final invoice while a deposit invoice is unpaid: neither staff issuing it (API, admin)
nor a payment received (a transfer for everything settles the deposit invoice first)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps

from invoicing.models import Invoice, InvoiceKind
from tests.conftest import assert_problem
from tests.invoicing.helpers import confirmed_booking, issue
from tests.invoicing.test_payments import _pay

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not apps.is_installed("payments"), reason="the payments app is not installed"
    ),
]


def test_staff_cannot_issue_the_final_invoice_while_the_deposit_invoice_is_unpaid(
    staff_api: Any,
) -> None:
    booking = confirmed_booking()
    assert issue(staff_api, booking, "deposit").status_code == 201
    assert_problem(issue(staff_api, booking, "final"), 409, "deposit_invoice_unpaid")
    assert not Invoice.objects.filter(booking=booking, kind=InvoiceKind.INVOICE).exists()


def test_a_payment_for_everything_settles_the_unpaid_deposit_invoice_before_the_final(
    staff_api: Any,
) -> None:
    booking = confirmed_booking()
    assert issue(staff_api, booking, "deposit").status_code == 201
    _pay(booking, "full", booking.total_cents)
    deposit = Invoice.objects.get(booking=booking, kind=InvoiceKind.DEPOSIT)
    final = Invoice.objects.get(booking=booking, kind=InvoiceKind.INVOICE)
    assert deposit.paid and deposit.paid_cents == deposit.total_incl_vat_cents == 20412
    assert final.paid and final.paid_cents == final.total_incl_vat_cents == 68040 - 20412


def test_a_payment_of_the_deposit_amount_only_settles_the_deposit_invoice(staff_api: Any) -> None:
    booking = confirmed_booking()
    assert issue(staff_api, booking, "deposit").status_code == 201
    _pay(booking, "full", 20412)
    deposit = Invoice.objects.get(booking=booking, kind=InvoiceKind.DEPOSIT)
    assert deposit.paid
    assert not Invoice.objects.filter(booking=booking, kind=InvoiceKind.INVOICE).exists()
