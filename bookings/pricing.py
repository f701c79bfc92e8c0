"""The one place where a booking's price is computed; the result is snapshotted on the booking.

``max(price_per_person x participants, minimum_charge)`` for the visit, plus the options per
person, each line with its VAT rate; VAT is computed per rate on the rate's total and rounded
half-up (core.money).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from core.money import CURRENCY, percent_of, vat_on
from itineraries.models import Itinerary, Option

# Each line says what it is (and which option), so that a reader in another language can be shown
# it in theirs (the web app does); the snapshot's own labels stay in the booking's language, as
# on the invoices.
LINE_VISIT = "visit"
LINE_VISIT_MINIMUM = "visit_minimum"
LINE_OPTION = "option"


def _visit_label(title: str, kind: str) -> str:
    if kind == LINE_VISIT_MINIMUM:
        return _("Guided visit: %(title)s (minimum charge)") % {"title": title}
    return _("Guided visit: %(title)s") % {"title": title}


def _line(
    label: str, quantity: int, unit_cents: int, vat_rate: Decimal, kind: str, code: str = ""
) -> dict[str, Any]:
    return {
        "kind": kind,
        "code": code,
        "label": label,
        "quantity": quantity,
        "unit_price_cents": unit_cents,
        "total_excl_vat_cents": quantity * unit_cents,
        "vat_rate": str(vat_rate),
    }


def price_booking(
    *, itinerary: Itinerary, participants: int, options: list[Option], language: str
) -> dict[str, Any]:
    """The price snapshot: lines, VAT per rate, totals and deposit, labels in ``language``."""
    with translation.override(language):
        title = itinerary.title
        per_person = itinerary.price_per_person_cents * participants
        if per_person >= itinerary.minimum_charge_cents:
            lines = [
                _line(
                    _visit_label(title, LINE_VISIT),
                    participants,
                    itinerary.price_per_person_cents,
                    itinerary.vat_rate,
                    LINE_VISIT,
                )
            ]
        else:
            lines = [
                _line(
                    _visit_label(title, LINE_VISIT_MINIMUM),
                    1,
                    itinerary.minimum_charge_cents,
                    itinerary.vat_rate,
                    LINE_VISIT_MINIMUM,
                )
            ]
        for option in options:
            lines.append(
                _line(
                    option.name,
                    participants,
                    option.price_per_person_cents,
                    option.vat_rate,
                    LINE_OPTION,
                    option.code,
                )
            )

    by_rate: dict[str, int] = defaultdict(int)
    for line in lines:
        by_rate[line["vat_rate"]] += line["total_excl_vat_cents"]
    vat_breakdown: list[dict[str, Any]] = [
        {
            "vat_rate": rate,
            "total_excl_vat_cents": base,
            "vat_cents": vat_on(base, Decimal(rate)),
        }
        for rate, base in sorted(by_rate.items(), key=lambda item: Decimal(item[0]), reverse=True)
    ]
    total_excl = sum(row["total_excl_vat_cents"] for row in vat_breakdown)
    vat = sum(row["vat_cents"] for row in vat_breakdown)
    total = total_excl + vat
    return {
        "lines": lines,
        "vat_breakdown": vat_breakdown,
        "total_excl_vat_cents": total_excl,
        "vat_cents": vat,
        "total_cents": total,
        "deposit_percent": itinerary.deposit_percent,
        "deposit_cents": percent_of(total, itinerary.deposit_percent),
        "currency": CURRENCY,
    }


def refund_percent(policy: list[dict[str, int]], days_before: int) -> int:
    """The refund of the first tier, from the most generous, whose ``days_before`` is met."""
    for tier in sorted(policy, key=lambda row: row["days_before"], reverse=True):
        if days_before >= tier["days_before"]:
            return int(tier["refund_percent"])
    return 0
