"""Payment terms by buyer type and the due dates a quote prints (issue 16, item 3).

``payment_schedule`` is the one function that turns the seller's terms for a buyer type
(``PaymentTerms``, seeded by migration, changed in the admin) and a quote version's frozen price
into what the quote states: the methods, the deposit and when it is due (on acceptance, at the
latest when the quote expires), the balance and its due date (the invoice is issued after the
visit, so the balance is due ``days_after_invoice`` days after it: the quote prints the date for
an invoice issued and received on the visit's day). The result is JSON-safe and frozen on the
version with its PDF.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from core.money import percent_of
from procurement.models import DepositRule, PaymentMethods, PaymentTerms

# What applies to a buyer type with no row (the seed rows exist after migrating; a deleted row
# falls back to the strictest terms: transfer, 30 days, no deposit).
FALLBACK = PaymentTerms(
    days_after_invoice=30,
    deposit_rule=DepositRule.NONE,
    deposit_percent=0,
    methods=PaymentMethods.TRANSFER,
)


def terms_for(organisation_type: str) -> PaymentTerms:
    return PaymentTerms.objects.filter(organisation_type=organisation_type).first() or FALLBACK


def payment_schedule(
    *,
    organisation_type: str,
    price: dict[str, Any],
    starts_at: datetime,
    valid_until: datetime,
    terms: PaymentTerms | None = None,
) -> dict[str, Any]:
    """The quote's payment terms and due dates for ``price`` (a ``bookings.pricing`` snapshot)."""
    terms = terms or terms_for(organisation_type)
    total = int(price["total_cents"])
    if terms.deposit_rule == DepositRule.ITINERARY:
        percent = int(price.get("deposit_percent") or 0)
        deposit = int(price.get("deposit_cents") or 0)
    elif terms.deposit_rule == DepositRule.PERCENT:
        percent = int(terms.deposit_percent)
        deposit = percent_of(total, percent)
    else:
        percent, deposit = 0, 0
    visit_day = timezone.localtime(starts_at).date()
    return {
        "organisation_type": organisation_type,
        "methods": terms.methods,
        "days_after_invoice": terms.days_after_invoice,
        "deposit_percent": percent,
        "deposit_cents": deposit,
        "deposit_due": timezone.localtime(valid_until).date().isoformat() if deposit else None,
        "balance_cents": total - deposit,
        "invoice_after": visit_day.isoformat(),
        "balance_due": (visit_day + timedelta(days=terms.days_after_invoice)).isoformat(),
    }
