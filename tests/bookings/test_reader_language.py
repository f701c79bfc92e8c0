"""Issue 14 item 7: the booking answer's price lines in the reader's language, and the
programme PDF in the booking's own language whoever fetches it."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from bookings.models import Booking
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


def test_a_french_booking_read_in_english_has_english_price_lines(api: Any) -> None:
    created = book(api, _departure(), participants=18).json()
    answer = api.get(
        f"/api/v1/bookings/{created['reference']}/",
        HTTP_X_BOOKING_TOKEN=created["token"],
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    labels = [line["label"] for line in answer["price"]["lines"]]
    assert labels == ["Guided visit: Base 11/19 and heaps", "Lunch"]
    # The snapshot itself (and so the invoices) stays in the booking's language.
    stored = Booking.objects.get().price["lines"]
    assert [line["label"] for line in stored] == [
        "Visite guidée\u00a0: Base 11/19 et terrils",
        "Déjeuner",
    ]
    assert answer["price"]["total_cents"] == Booking.objects.get().total_cents


def test_the_same_booking_read_in_french_keeps_french_labels(api: Any) -> None:
    created = book(api, _departure(), participants=18).json()
    answer = api.get(
        f"/api/v1/bookings/{created['reference']}/",
        HTTP_X_BOOKING_TOKEN=created["token"],
        HTTP_ACCEPT_LANGUAGE="fr",
    ).json()
    assert answer["price"]["lines"][0]["label"] == "Visite guidée\u00a0: Base 11/19 et terrils"


def test_a_snapshot_without_line_kinds_keeps_its_labels(api: Any) -> None:
    created = book(api, _departure(), participants=18).json()
    booking = Booking.objects.get()
    booking.price = {
        **booking.price,
        "lines": [
            {k: v for k, v in line.items() if k not in ("kind", "code")}
            for line in booking.price["lines"]
        ],
    }
    booking.save(update_fields=["price"])
    answer = api.get(
        f"/api/v1/bookings/{created['reference']}/",
        HTTP_X_BOOKING_TOKEN=created["token"],
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    assert answer["price"]["lines"][1]["label"] == "Déjeuner"


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
