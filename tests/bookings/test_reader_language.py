"""Issue 14 item 7: price lines that say what they are (for the reader's language), and the
programme PDF in the booking's own language whoever fetches it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient

pytestmark = pytest.mark.django_db

FRENCH_WORDS = re.compile(
    r"\b(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|février|mars|avril|mai|juin"
    r"|juillet|août|septembre|octobre|novembre|décembre|Visite guidée|Déjeuner)\b",
    re.IGNORECASE,
)


@pytest.fixture
def api() -> Any:
    return CommittingAPIClient()


def _departure() -> Any:
    return bookable_departure(title_fr="Base 11/19 et terrils", title_en="Base 11/19 and heaps")


def test_price_lines_say_what_they_are_so_a_reader_sees_them_in_their_language(
    api: Any,
) -> None:
    created = book(api, _departure(), participants=18).json()
    answer = api.get(
        f"/api/v1/bookings/{created['reference']}/",
        HTTP_X_BOOKING_TOKEN=created["token"],
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    lines = answer["price"]["lines"]
    assert [(line["kind"], line["code"]) for line in lines] == [("visit", ""), ("option", "lunch")]
    # The labels stay in the booking's language, as on the invoices; the web app writes them
    # in the reader's from the kind, the departure's title and the itinerary's option names.
    assert [line["label"] for line in lines] == [
        "Visite guidée\u00a0: Base 11/19 et terrils",
        "Déjeuner",
    ]
    assert answer["departure"]["title"] == "Base 11/19 and heaps"


def test_a_small_group_line_is_the_minimum_charge(api: Any) -> None:
    created = book(api, _departure(), participants=2, options=[]).json()
    assert [line["kind"] for line in created["price"]["lines"]] == ["visit_minimum"]


def test_the_programme_of_an_english_booking_is_english_even_for_a_french_reader(
    api: Any,
) -> None:
    departure = _departure()
    departure.language = "en"
    departure.save(update_fields=["language"])
    created = book(api, departure, participants=10, language="en").json()
    response = api.get(
        f"/api/v1/bookings/{created['reference']}/programme.pdf",
        HTTP_X_BOOKING_TOKEN=created["token"],
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))
    assert "Visit programme" in text
    assert FRENCH_WORDS.findall(text) == []
    assert re.search(
        r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d+ \w+ \d{4}", text
    )
