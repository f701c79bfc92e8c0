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


def format_money(cents: int, language: str) -> str:
    """An amount for people, as its language writes it: "1 234,50 €" in French (narrow
    no-break space between thousands, no-break space before the sign), "€1,234.50" in English.
    The one money formatter of e-mails and documents; amounts stay integer cents until here."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    if language == "fr":
        grouped = f"{units:,}".replace(",", "\u202f")
        return f"{sign}{grouped},{rest:02d}\u00a0€"
    return f"{sign}€{units:,}.{rest:02d}"
