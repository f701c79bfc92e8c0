"""Late-payment interest and the 40 EUR indemnity: the one function, the staff answer, the
admin and the invoice PDF's mention by buyer type."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from invoicing.late_payment import (
    half_year_start,
    interest_cents,
    invoice_late_payment,
    late_payment,
)
from invoicing.models import EcbRate, Invoice
from invoicing.services import credit_note_issue
from tests.bookings.helpers import booking_body
from tests.invoicing.helpers import confirmed_booking, issue, pdf_text

RATES = [(date(2025, 6, 11), Decimal("2.15")), (date(2026, 3, 1), Decimal("3.00"))]


def _owed(**overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "principal_cents": 100_000,
        "due_date": date(2026, 2, 10),
        "today": date(2026, 3, 12),
        "public_buyer": True,
        "margin_points": Decimal("10"),
        "ecb_rates": RATES,
        **overrides,
    }
    return late_payment(**arguments)


def test_interest_is_principal_times_rate_times_days_over_365_rounded_half_up_once() -> None:
    # 100 000 c x 10.15 % x 30 / 365 = 834.2465... -> 834
    assert interest_cents(principal_cents=100_000, rate_percent=Decimal("10.15"), days=30) == 834
    # 7 300 c x 10 % x 1 / 365 = 2.0 exactly; 10 950 c x 10 % / 365 = 3.0; 5 475 c: 1.5 -> 2
    assert interest_cents(principal_cents=7_300, rate_percent=Decimal("10"), days=1) == 2
    assert interest_cents(principal_cents=5_475, rate_percent=Decimal("10"), days=1) == 2
    assert interest_cents(principal_cents=5_474, rate_percent=Decimal("10"), days=1) == 1
    assert interest_cents(principal_cents=0, rate_percent=Decimal("10"), days=30) == 0


def test_a_public_buyer_owes_the_ecb_rate_of_the_half_year_plus_8_points_and_40_eur() -> None:
    owed = _owed()
    assert owed.days_late == 30
    assert owed.interest_from == date(2026, 2, 11)
    # interest started in the first half-year: the rate in force on 1 January (2.15, not the
    # 3.00 in force from March)
    assert owed.rate_reference_date == date(2026, 1, 1)
    assert (owed.ecb_rate, owed.margin_points, owed.rate) == (
        Decimal("2.15"),
        Decimal("8"),
        Decimal("10.15"),
    )
    assert owed.interest_cents == 834
    assert owed.indemnity_cents == 4000
    assert owed.total_cents == 4834


def test_other_buyers_owe_the_sellers_points_and_the_half_year_follows_the_first_late_day() -> None:
    # due 30 June: the interest starts on 1 July, so the second half-year's rate (3.00)
    owed = _owed(public_buyer=False, due_date=date(2026, 6, 30), today=date(2026, 7, 30))
    assert owed.rate_reference_date == date(2026, 7, 1)
    assert owed.rate == Decimal("13.00")
    # 100 000 x 13 % x 30 / 365 = 1068.49 -> 1068
    assert owed.interest_cents == 1068
    assert owed.total_cents == 5068
    assert half_year_start(date(2026, 6, 30)) == date(2026, 1, 1)
    assert half_year_start(date(2026, 12, 31)) == date(2026, 7, 1)


def test_nothing_is_owed_on_the_due_date_or_with_nothing_left_to_pay() -> None:
    assert _owed(today=date(2026, 2, 10)) is None
    assert _owed(today=date(2026, 2, 1)) is None
    assert _owed(principal_cents=0) is None
    assert _owed(today=date(2026, 2, 11)).days_late == 1


def test_without_a_recorded_rate_the_interest_is_unknown_and_the_indemnity_still_owed() -> None:
    owed = _owed(ecb_rates=[(date(2027, 1, 1), Decimal("2"))])
    assert owed.ecb_rate is None and owed.rate is None and owed.interest_cents is None
    assert owed.total_cents == 4000


@pytest.mark.django_db
def test_the_ecb_rates_are_seeded_and_the_latest_in_force_applies() -> None:
    assert EcbRate.objects.get(in_force_from=date(2025, 6, 11)).rate == Decimal("2.15")
    invoice_rates = list(EcbRate.objects.values_list("in_force_from", "rate"))
    assert len(invoice_rates) >= 9


def _late(invoice: Invoice, days: int) -> date:
    return invoice.due_date + timedelta(days=days)


@pytest.mark.django_db
def test_a_late_invoice_shows_what_is_owed_in_the_staff_answer_on_what_is_left_to_pay(
    staff_api: Any, django_assert_num_queries: Any
) -> None:
    booking = confirmed_booking()  # a public body: 680.40 incl. VAT
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    assert staff_api.get(f"/api/v1/invoices/{number}/").json()["late_payment"] is None

    # Forty days late on the real clock: the due date moved back (the row is never saved).
    today = timezone.localdate()
    due = today - timedelta(days=40)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due)
    EcbRate.objects.create(in_force_from=half_year_start(due + timedelta(days=1)), rate="4.00")
    credit_note_issue(invoice=invoice, amount_cents=8040, reason="Un repas en moins")

    with django_assert_num_queries(3):  # count, page, the ECB rates once
        listed = staff_api.get("/api/v1/invoices/?kind=invoice").json()["results"]
    owed = listed[0]["late_payment"]
    # 680.40 - 80.40 credited = 600.00; 60 000 x 12 % x 40 / 365 = 789.04 -> 789
    assert owed == {
        "days_late": 40,
        "principal_cents": 60000,
        "interest_from": (due + timedelta(days=1)).isoformat(),
        "rate_reference_date": half_year_start(due + timedelta(days=1)).isoformat(),
        "ecb_rate": "4.00",
        "margin_points": "8",
        "rate": "12.00",
        "interest_cents": 789,
        "indemnity_cents": 4000,
        "total_cents": 4789,
        "public_buyer": True,
        "paid_on": None,
    }
    assert staff_api.get(f"/api/v1/invoices/{number}/").json()["late_payment"] == owed


@pytest.mark.django_db
def test_a_company_owes_the_sellers_points_frozen_on_the_invoice_and_its_pdf_says_so(
    staff_api: Any,
) -> None:
    from invoicing.services import seller_profile_get

    seller = seller_profile_get()
    seller.late_payment_margin_points = Decimal("12.50")
    seller.save()
    organisation = {**booking_body()["organisation"], "type": "company", "name": "Énergies SA"}
    booking = confirmed_booking(organisation=organisation)
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    assert invoice.seller["late_payment_margin_points"] == "12.50"
    seller.late_payment_margin_points = Decimal("20")
    seller.save()  # a later change does not move an issued invoice's rate

    owed = invoice_late_payment(
        invoice, today=_late(invoice, 10), rates=[(date(2000, 1, 1), Decimal("2"))]
    )
    assert owed is not None and not owed.public_buyer
    assert owed.rate == Decimal("14.50")
    # 68 040 x 14.5 % x 10 / 365 = 270.29 -> 270
    assert owed.interest_cents == 270

    text = " ".join(pdf_text(staff_api.get(f"/api/v1/invoices/{number}/pdf").content).split())
    assert "Pénalités de retard : taux directeur de la BCE majoré de 10 points" in text
    assert "Intérêts moratoires" not in text


@pytest.mark.django_db
def test_paid_invoices_and_credit_notes_owe_nothing(staff_api: Any) -> None:
    from invoicing.services import invoice_mark_paid

    booking = confirmed_booking()
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    note = credit_note_issue(invoice=invoice, amount_cents=1000, reason="Geste commercial")
    assert invoice_late_payment(note, today=_late(note, 30), rates=RATES) is None
    invoice_mark_paid(invoice=invoice, amount_cents=67040, paid_at=timezone.now())
    invoice.refresh_from_db()
    assert invoice_late_payment(invoice, today=_late(invoice, 30), rates=RATES) is None


@pytest.mark.django_db
def test_the_admin_shows_what_a_late_invoice_owes(admin_client: Any, staff_api: Any) -> None:
    booking = confirmed_booking()
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    due = timezone.localdate() - timedelta(days=10)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due)
    EcbRate.objects.create(in_force_from=half_year_start(due + timedelta(days=1)), rate="2.00")
    page = admin_client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/")
    body = " ".join(page.content.decode().split())
    # 68 040 x 10 % x 10 / 365 = 186.41 -> 186
    assert ("1,86" in body or "€1.86" in body) and ("41,86" in body or "€41.86" in body)
    assert admin_client.get("/admin/invoicing/ecbrate/").status_code == 200


@pytest.mark.django_db
def test_an_invoice_paid_after_its_due_date_owes_the_interest_up_to_its_payment_day(
    staff_api: Any, admin_client: Any
) -> None:
    from invoicing.services import invoice_mark_paid

    booking = confirmed_booking()  # a public body: 680.40 incl. VAT
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    today = timezone.localdate()
    due = today - timedelta(days=40)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due)
    EcbRate.objects.create(in_force_from=half_year_start(due + timedelta(days=1)), rate="4.00")
    # Paid 25 days after its due date, 15 days ago: the interest stopped running then.
    paid_at = timezone.now() - timedelta(days=15)
    invoice_mark_paid(invoice=invoice, amount_cents=68040, paid_at=paid_at)
    invoice.refresh_from_db()
    owed = invoice_late_payment(invoice, today=today)
    assert owed is not None
    assert owed.paid_on == timezone.localdate(paid_at)
    assert owed.days_late == (owed.paid_on - due).days == 25
    # The same function as for an unpaid invoice, with the payment day as "today".
    same = late_payment(
        principal_cents=68040,
        due_date=due,
        today=owed.paid_on,
        public_buyer=True,
        margin_points=Decimal("10"),
        ecb_rates=[(half_year_start(due + timedelta(days=1)), Decimal("4.00"))],
    )
    assert same is not None and owed.interest_cents == same.interest_cents
    # 68 040 x 12 % x 25 / 365 = 559.23 -> 559
    assert owed.interest_cents == 559 and owed.total_cents == 4559
    answer = staff_api.get(f"/api/v1/invoices/{number}/").json()["late_payment"]
    assert answer["paid_on"] == owed.paid_on.isoformat()
    assert answer["interest_cents"] == 559 and answer["principal_cents"] == 68040
    page = admin_client.get(f"/admin/invoicing/invoice/{invoice.pk}/change/")
    body = " ".join(page.content.decode().split())
    assert owed.paid_on.strftime("%d/%m/%Y") in body
    assert "5,59" in body or "€5.59" in body


@pytest.mark.django_db
def test_an_invoice_paid_on_its_due_date_owes_nothing(staff_api: Any) -> None:
    from invoicing.services import invoice_mark_paid

    booking = confirmed_booking()
    number = issue(staff_api, booking, "full").json()["number"]
    invoice = Invoice.objects.get(number=number)
    paid_at = timezone.now() - timedelta(days=2)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate(paid_at))
    invoice_mark_paid(invoice=invoice, amount_cents=68040, paid_at=paid_at)
    invoice.refresh_from_db()
    assert invoice_late_payment(invoice, rates=RATES) is None
