"""What an invoice paid late owes: late-payment interest and the fixed recovery indemnity.

``late_payment`` is the one function that computes it (tests/invoicing/test_late_payment.py);
everything that shows an amount owed (the staff invoice answer and admin, procurement's payment
reminders) calls it through ``invoice_late_payment``. The rules (docs/invoicing.md, "Late
payment"):

- The interest starts to run the day after the due date; the days late are counted from the
  due date to ``today`` (a day late on the day after the due date).
- The rate is the ECB main refinancing operations rate (``EcbRate``, kept by staff in the admin)
  in force on the first day of the half-year (1 January or 1 July) in which the interest starts
  to run, plus 8 points for public buyers (public bodies and schools: décret 2013-269 art. 8,
  Code de la commande publique) or plus the seller's points (``late_payment_margin_points``,
  10 by default: Code de commerce L441-10) for the others. One rate for the whole period: the
  Code de commerce changes the reference each half-year, which for a period of a few weeks or
  months changes nothing or little; we keep the public buyers' rule for both (documented).
- Interest = principal in cents x rate % x days late / 365 (simple interest, 365 days even in a
  leap year), rounded half-up to the cent once, on the result (``core.money``'s rule).
- The principal is what is left to pay on the invoice, VAT included (its total minus its credit
  notes, what was paid at issue and what was paid since).
- An invoice paid after its due date owes the same, computed by the same function with the
  day it was paid as ``today`` (``invoice_paid_late``): shown to staff (answer, admin) after
  the payment, until the buyer pays it or staff waive it (nothing records that yet).
- The fixed indemnity for recovery costs is 40 EUR per invoice paid late, for every
  professional or public buyer (Code de commerce L441-10 and D441-5; for public buyers the Code
  de la commande publique sets it too).

When no ECB rate is recorded for the reference day, the interest is unknown (``None``): the
answer says so rather than guess; the indemnity is owed all the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import OrganisationType
from invoicing.models import EcbRate, Invoice, InvoiceKind

FIXED_INDEMNITY_CENTS = 4000
PUBLIC_BUYER_MARGIN_POINTS = Decimal("8")
DEFAULT_MARGIN_POINTS = Decimal("10")
DAYS_IN_YEAR = 365
# The buyer types that pay as public buyers (the quote's terms use the same set).
PUBLIC_BUYER_TYPES = frozenset({OrganisationType.PUBLIC_BODY, OrganisationType.SCHOOL})

Rates = Sequence[tuple[date, Decimal]]


@dataclass(frozen=True)
class LatePayment:
    """What a late invoice owes on ``today``."""

    principal_cents: int
    due_date: date
    days_late: int
    interest_from: date  # the day after the due date
    rate_reference_date: date  # first day of the half-year the interest started in
    ecb_rate: Decimal | None  # in force on the reference date; None: not recorded
    margin_points: Decimal
    public_buyer: bool
    interest_cents: int | None  # None when the ECB rate is not recorded
    indemnity_cents: int
    # Paid after its due date: the day it was paid, up to which the interest ran; None while
    # it is still unpaid (the interest runs to ``today``).
    paid_on: date | None = None

    @property
    def rate(self) -> Decimal | None:
        return None if self.ecb_rate is None else self.ecb_rate + self.margin_points

    @property
    def total_cents(self) -> int:
        """Interest (when known) and indemnity, on top of the principal."""
        return (self.interest_cents or 0) + self.indemnity_cents


def half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def rate_in_force(rates: Iterable[tuple[date, Decimal]], day: date) -> Decimal | None:
    """The rate of the latest row in force on ``day`` (rows in any order)."""
    in_force = [(start, rate) for start, rate in rates if start <= day]
    return max(in_force)[1] if in_force else None


def interest_cents(*, principal_cents: int, rate_percent: Decimal, days: int) -> int:
    """Simple interest on ``principal_cents`` at ``rate_percent`` a year for ``days`` days,
    rounded half-up to the cent (once, on the result)."""
    exact = Decimal(principal_cents) * Decimal(rate_percent) * Decimal(days)
    exact /= Decimal(100 * DAYS_IN_YEAR)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def late_payment(
    *,
    principal_cents: int,
    due_date: date,
    today: date,
    public_buyer: bool,
    margin_points: Decimal,
    ecb_rates: Rates,
) -> LatePayment | None:
    """What is owed on ``today`` for ``principal_cents`` due on ``due_date``; None when nothing
    is late (not yet past the due date, or nothing left to pay)."""
    if principal_cents <= 0 or today <= due_date:
        return None
    starts = due_date + timedelta(days=1)
    reference = half_year_start(starts)
    margin = PUBLIC_BUYER_MARGIN_POINTS if public_buyer else Decimal(margin_points)
    ecb = rate_in_force(ecb_rates, reference)
    days = (today - due_date).days
    interest = (
        None
        if ecb is None
        else interest_cents(principal_cents=principal_cents, rate_percent=ecb + margin, days=days)
    )
    return LatePayment(
        principal_cents=principal_cents,
        due_date=due_date,
        days_late=days,
        interest_from=starts,
        rate_reference_date=reference,
        ecb_rate=ecb,
        margin_points=margin,
        public_buyer=public_buyer,
        interest_cents=interest,
        indemnity_cents=FIXED_INDEMNITY_CENTS,
    )


# --- Invoices -------------------------------------------------------------------------------


def ecb_rates() -> list[tuple[date, Decimal]]:
    """Every recorded ECB rate (a few rows a year), in one query."""
    return list(EcbRate.objects.order_by("in_force_from").values_list("in_force_from", "rate"))


def is_public_buyer(buyer: dict[str, Any]) -> bool:
    """From an invoice's buyer snapshot."""
    return buyer.get("organisation_type") in PUBLIC_BUYER_TYPES


def with_credited_total(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Annotate ``credited_total_cents`` (its credit notes' totals) in the list's own query."""
    credited = (
        Invoice.objects.filter(credited_invoice=OuterRef("pk"))
        .order_by()
        .values("credited_invoice")
        .annotate(total=Sum("total_incl_vat_cents"))
        .values("total")
    )
    return qs.annotate(
        credited_total_cents=Coalesce(Subquery(credited), Value(0), output_field=IntegerField())
    )


def left_to_pay_cents(invoice: Invoice) -> int:
    """What is left to pay, VAT included: the total minus its credit notes, what was paid at
    issue and what was paid since (reads ``with_credited_total``'s annotation when present)."""
    credited = getattr(invoice, "credited_total_cents", None)
    if credited is None:
        credited = sum(note.total_incl_vat_cents for note in invoice.credit_notes.all())
    return invoice.total_incl_vat_cents - int(credited) - invoice.prepaid_cents - invoice.paid_cents


def _margin(invoice: Invoice) -> Decimal:
    # Frozen with the seller at issue; invoices issued before the setting existed: the law's 10.
    return Decimal(str(invoice.seller.get("late_payment_margin_points", DEFAULT_MARGIN_POINTS)))


def invoice_late_payment(
    invoice: Invoice, *, today: date | None = None, rates: Rates | None = None
) -> LatePayment | None:
    """What ``invoice`` owes for being late on ``today`` (Europe/Paris), or None: a credit
    note, an invoice paid by its due date or one not yet due owes nothing. An invoice paid
    after its due date owes the interest up to the day it was paid (``invoice_paid_late``).
    ``rates``: ``ecb_rates()`` read once for a list (read here when absent and needed)."""
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return None
    if invoice.paid:
        return invoice_paid_late(invoice, rates=rates)
    today = today or timezone.localdate()
    if today <= invoice.due_date:
        return None
    principal = left_to_pay_cents(invoice)
    if principal <= 0:
        return None
    return late_payment(
        principal_cents=principal,
        due_date=invoice.due_date,
        today=today,
        public_buyer=is_public_buyer(invoice.buyer),
        margin_points=_margin(invoice),
        ecb_rates=ecb_rates() if rates is None else rates,
    )


def invoice_paid_late(invoice: Invoice, *, rates: Rates | None = None) -> LatePayment | None:
    """What a paid invoice owes for having been paid after its due date: the same function
    (``late_payment``) with ``today`` the day it was paid (``paid_at``, Europe/Paris), on the
    amount that was to be paid after issue (its total minus its credit notes and what was paid
    at issue). The payments are not kept one by one (``paid_at`` is the last one's time): a part
    paid by the due date is counted late too, so this is the most that can be owed; staff lower
    it when the buyer shows an earlier part payment. None when paid by the due date."""
    if not invoice.paid or invoice.paid_at is None:
        return None
    paid_on = timezone.localdate(invoice.paid_at)
    if paid_on <= invoice.due_date:
        return None
    credited = getattr(invoice, "credited_total_cents", None)
    if credited is None:
        credited = sum(note.total_incl_vat_cents for note in invoice.credit_notes.all())
    principal = invoice.total_incl_vat_cents - int(credited) - invoice.prepaid_cents
    owed = late_payment(
        principal_cents=principal,
        due_date=invoice.due_date,
        today=paid_on,
        public_buyer=is_public_buyer(invoice.buyer),
        margin_points=_margin(invoice),
        ecb_rates=ecb_rates() if rates is None else rates,
    )
    return None if owed is None else replace(owed, paid_on=paid_on)


def as_answer(owed: LatePayment | None) -> dict[str, Any] | None:
    """The JSON of the staff invoice answer's ``late_payment``."""
    if owed is None:
        return None
    return {
        "days_late": owed.days_late,
        "principal_cents": owed.principal_cents,
        "interest_from": owed.interest_from.isoformat(),
        "rate_reference_date": owed.rate_reference_date.isoformat(),
        "ecb_rate": None if owed.ecb_rate is None else str(owed.ecb_rate),
        "margin_points": str(owed.margin_points),
        "rate": None if owed.rate is None else str(owed.rate),
        "interest_cents": owed.interest_cents,
        "indemnity_cents": owed.indemnity_cents,
        "total_cents": owed.total_cents,
        "public_buyer": owed.public_buyer,
        "paid_on": None if owed.paid_on is None else owed.paid_on.isoformat(),
    }


def late_payment_mention(invoice: Invoice) -> str:
    """The late-payment sentence an invoice prints (PDF and Factur-X BT-20), in French: for a
    public buyer the law's ECB rate + 8 points, for the others the seller's own mention."""
    if is_public_buyer(invoice.buyer):
        return (
            "Intérêts moratoires en cas de retard de paiement : taux de la BCE pour ses "
            "opérations principales de refinancement en vigueur au premier jour du semestre où "
            "ils commencent à courir, majoré de 8 points (Code de la commande publique, "
            "art. L2192-13 ; décret n° 2013-269 du 29 mars 2013)"
        )
    return str(invoice.seller.get("late_payment_mention", ""))
