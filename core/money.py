"""Money: integer cents, Decimal percentages, one rounding rule (half-up)."""

from decimal import ROUND_HALF_UP, Decimal

CURRENCY = "EUR"


def percent_of(amount_cents: int, percent: Decimal | int) -> int:
    """``percent`` % of an amount, rounded half-up to the cent."""
    exact = Decimal(amount_cents) * Decimal(percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_on(total_excl_vat_cents: int, rate: Decimal) -> int:
    """VAT on the total of one rate (French practice: rounded per rate total, not per line)."""
    return percent_of(total_excl_vat_cents, rate)
