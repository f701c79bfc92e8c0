"""Late payment in the admin, in a real browser: staff record the ECB rate of the half-year, a
wrong rate is refused with its reason, and a late invoice's page shows what is owed today."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invoicing.late_payment import half_year_start
from invoicing.models import EcbRate, Invoice
from invoicing.services import invoice_issue
from tests.e2e.conftest import shoot
from tests.e2e.test_admin_journey import sign_in
from tests.invoicing.helpers import confirmed_booking

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_record_the_ecb_rate_and_read_what_a_late_invoice_owes(page: Any) -> None:
    invoice = invoice_issue(booking=confirmed_booking(), kind="full")  # a public body, 680.40
    due = timezone.localdate() - timedelta(days=10)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due)
    reference = half_year_start(due + timedelta(days=1))
    sign_in(page)

    page.goto("/admin/invoicing/ecbrate/add/")
    page.locator("#id_in_force_from").fill(reference.strftime("%d/%m/%Y"))
    page.locator("#id_rate").fill("99")  # implausible: refused, nothing saved
    page.locator("input[name=_save]").click()
    expect(page.locator(".errornote, .errorlist").first).to_be_visible()
    assert not EcbRate.objects.filter(in_force_from=reference).exists()
    page.locator("#id_rate").fill("2.00")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/invoicing/ecbrate/")
    assert EcbRate.objects.get(in_force_from=reference).rate == 2

    page.goto(f"/admin/invoicing/invoice/{invoice.pk}/change/")
    content = page.locator("#content")
    # 68 040 c x (2 + 8) % x 10 / 365 = 186.41 -> 1,86 EUR; plus the 40 EUR indemnity
    expect(content).to_contain_text("intérêts 1,86")
    expect(content).to_contain_text("10 jours au taux de 10,00")
    expect(content).to_contain_text("indemnité forfaitaire 40,00")
    expect(content).to_contain_text("41,86")
    shoot(page, "admin-invoice-late-payment-fr")
