"""Money: integer cents, Decimal percentages, one rounding rule (half-up)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation

CURRENCY = "EUR"


def percent_of(amount_cents: int, percent: Decimal | int) -> int:
    """``percent`` % of an amount, rounded half-up to the cent."""
    exact = Decimal(amount_cents) * Decimal(percent) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_on(total_excl_vat_cents: int, rate: Decimal) -> int:
    """VAT on the total of one rate (French practice: rounded per rate total, not per line)."""
    return percent_of(total_excl_vat_cents, rate)


def format_money(cents: int, language: str = "fr", *, plain_spaces: bool = False) -> str:
    """An amount for people: ``1 540,00 €`` in French, ``€1,540.00`` in English.

    The one formatter of money shown to people: the admin, the e-mails, the messages and the
    documents. French groups thousands with a narrow no-break space and puts a no-break space
    before the sign, as its typography wants; ``plain_spaces`` writes plain spaces instead, for
    the PDFs, whose text is extracted by accounting tools and tests.
    """
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    if language.split("-")[0].lower() == "en":
        return f"{sign}€{whole:,}.{part:02d}"
    group, before_sign = (" ", " ") if plain_spaces else ("\u202f", "\u00a0")
    return f"{sign}{whole:,}".replace(",", group) + f",{part:02d}{before_sign}€"


def format_money_for_reader(cents: int) -> str:
    """``format_money`` in the language of the request or e-mail being written."""
    return format_money(cents, translation.get_language() or "fr")


def parse_euros(text: str) -> int:
    """Euros typed by people (``540``, ``540,5``, ``1 540,00 €``, ``540.50``) as integer cents.

    Raises ValueError on anything else, or on more than two decimals.
    """
    cleaned = (
        text.replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
    )
    if "," in cleaned and "." in cleaned:
        raise ValueError(text)
    cleaned = cleaned.replace(",", ".")
    amount = (
        Decimal(cleaned) if cleaned and cleaned.lstrip("-").replace(".", "", 1).isdigit() else None
    )
    if amount is None or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(text)
    return int(amount * 100)
