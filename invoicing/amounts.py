"""Invoice amounts: lines, the VAT table per rate and the totals, from integer cents.

VAT is computed once per rate on the rate's excl.-VAT total and rounded half-up by
``core.money.vat_on`` (the single rounding place). Lines, VAT table, PDF, XML and CSV all read
the numbers computed here, so they agree to the cent.

An amount including VAT (a deposit, a partial credit note) is split over the VAT rates in
proportion to the rates' totals; each part's excl.-VAT base is the largest whose base plus
rounded VAT does not exceed the part. Because VAT is rounded per rate, not every amount is
reachable exactly (at 20 %, about one amount in six): the result is then one cent below, never
above, the amount asked for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from core.money import vat_on

VAT_CATEGORY = "S"  # standard-rated (EN 16931 UNTDID 5305)
EXEMPT_CATEGORY = "E"  # exempt from VAT: a training action (invoicing.training)
# The exemption's reason in words (BT-120) and as its VATEX code (BT-121), per exempt category.
EXEMPTIONS: dict[str, tuple[str, str]] = {
    EXEMPT_CATEGORY: ("Exonération de TVA, article 261-4-4° a du CGI", "VATEX-FR-CGI261-4"),
}


def line(
    description: str,
    quantity: int,
    unit_price_cents: int,
    vat_rate: str,
    vat_category: str = VAT_CATEGORY,
) -> dict[str, Any]:
    return {
        "description": description,
        "quantity": quantity,
        "unit_price_cents": unit_price_cents,
        "total_excl_vat_cents": quantity * unit_price_cents,
        "vat_rate": rate_str(vat_rate),
        "vat_category": vat_category,
    }


def categories(table: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The VAT category of each rate of a VAT table (an exempt invoice's 0 % is "E")."""
    return {row["vat_rate"]: row.get("vat_category", VAT_CATEGORY) for row in table}


def rate_str(rate: str | Decimal) -> str:
    return str(Decimal(rate).quantize(Decimal("0.01")))


def breakdown(lines: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The VAT table: one row per rate and category, VAT rounded on the rate's total, highest
    rate first; an exempt row carries its reason (BT-120) and code (BT-121)."""
    bases: dict[tuple[str, str], int] = defaultdict(int)
    for row in lines:
        bases[(row["vat_rate"], row.get("vat_category", VAT_CATEGORY))] += row[
            "total_excl_vat_cents"
        ]
    table = []
    for (rate, category), base in sorted(
        bases.items(), key=lambda item: (Decimal(item[0][0]), item[0][1]), reverse=True
    ):
        entry: dict[str, Any] = {
            "vat_rate": rate,
            "vat_category": category,
            "total_excl_vat_cents": base,
            "vat_cents": 0 if category in EXEMPTIONS else vat_on(base, Decimal(rate)),
        }
        if category in EXEMPTIONS:
            entry["exemption_reason"], entry["exemption_code"] = EXEMPTIONS[category]
        table.append(entry)
    return table


def totals(table: list[dict[str, Any]]) -> dict[str, int]:
    excl = sum(row["total_excl_vat_cents"] for row in table)
    vat = sum(row["vat_cents"] for row in table)
    return {"total_excl_vat_cents": excl, "vat_cents": vat, "total_incl_vat_cents": excl + vat}


def incl_vat(table: list[dict[str, Any]]) -> dict[str, int]:
    """Each rate's total including VAT."""
    return {row["vat_rate"]: row["total_excl_vat_cents"] + row["vat_cents"] for row in table}


def _base_for(amount_incl_cents: int, rate: str) -> int:
    """The largest excl.-VAT base whose base + rounded VAT does not exceed the amount."""
    if amount_incl_cents <= 0:
        return 0
    factor = Decimal(100) + Decimal(rate)
    base = int(Decimal(amount_incl_cents) * 100 / factor) + 1
    while base > 0 and base + vat_on(base, Decimal(rate)) > amount_incl_cents:
        base -= 1
    return base


def split_incl_vat(amount_cents: int, weights: dict[str, int]) -> dict[str, int]:
    """Split an amount including VAT over the rates, in proportion to ``weights`` (incl. VAT per
    rate); answer the excl.-VAT base per rate. Largest remainder, so the parts sum exactly."""
    rates = [rate for rate, weight in weights.items() if weight > 0]
    whole = sum(weights[rate] for rate in rates)
    if whole <= 0 or amount_cents <= 0:
        return {}
    parts = {rate: amount_cents * weights[rate] // whole for rate in rates}
    left = amount_cents - sum(parts.values())
    by_remainder = sorted(rates, key=lambda r: (amount_cents * weights[r]) % whole, reverse=True)
    for rate in by_remainder[:left]:
        parts[rate] += 1
    bases = {rate: _base_for(part, rate) for rate, part in parts.items()}
    # A part one cent short at one rate can often be made up at another rate.
    reached = sum(base + vat_on(base, Decimal(rate)) for rate, base in bases.items())
    for rate in rates:
        if reached >= amount_cents:
            break
        bumped = bases[rate] + 1
        gain = (
            bumped
            + vat_on(bumped, Decimal(rate))
            - bases[rate]
            - vat_on(bases[rate], Decimal(rate))
        )
        if reached + gain <= amount_cents:
            bases[rate] = bumped
            reached += gain
    return {rate: base for rate, base in bases.items() if base > 0}


def subtract(table: list[dict[str, Any]], *others: list[dict[str, Any]]) -> dict[str, int]:
    """Excl.-VAT base per rate of ``table`` minus ``others`` (e.g. an invoice minus its credits)."""
    bases: dict[str, int] = defaultdict(int)
    for row in table:
        bases[row["vat_rate"]] += row["total_excl_vat_cents"]
    for other in others:
        for row in other:
            bases[row["vat_rate"]] -= row["total_excl_vat_cents"]
    return dict(bases)
