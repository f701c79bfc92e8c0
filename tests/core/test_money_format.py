"""Amounts for people: euros, never cents, in the staff member's language."""

from __future__ import annotations

import pytest

from core.money import format_money, parse_euros


def test_french_and_english_formats() -> None:
    assert format_money(54000, "fr") == "540,00\u00a0€"
    assert format_money(154050, "fr") == "1\u202f540,50\u00a0€"
    assert format_money(54000, "en") == "€540.00"
    assert format_money(154050, "en-gb") == "€1,540.50"
    assert format_money(-2041, "fr") == "-20,41\u00a0€"
    # The PDFs keep plain spaces for their text extraction; the same function writes them.
    assert format_money(154050, "fr", plain_spaces=True) == "1 540,50 €"


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("540", 54000), ("540,5", 54050), ("1 540,00 €", 154000), ("540.50", 54050), ("0,01", 1)],
)
def test_euros_typed_by_people(typed: str, cents: int) -> None:
    assert parse_euros(typed) == cents


@pytest.mark.parametrize("typed", ["", "abc", "1,234.5", "5,001", "12 eur"])
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_euros(typed)
