"""The programme PDF lists the departure's guides, through the hook the guides app registers."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from bookings import programme
from tests.bookings.helpers import book, bookable_departure
from tests.guides.helpers import assign_over_http, make_guide

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _programme(api: Any, booked: dict[str, Any]) -> str:
    response = api.get(
        f"/api/v1/bookings/{booked['reference']}/programme.pdf",
        HTTP_X_BOOKING_TOKEN=booked["token"],
    )
    assert response.status_code == 200, response.content
    return _text(response.content)


def test_guides_app_registers_its_programme_section() -> None:
    from guides.selectors import programme_guides

    assert programme_guides in programme.programme_sections


def test_programme_of_a_booking_with_an_assigned_guide_names_the_guide(
    api: Any, staff_api: Any
) -> None:
    departure = bookable_departure()
    booked = book(api, departure, participants=10).json()
    guide = make_guide(display_name="Jeanne Delattre", phone="+33 6 11 22 33 44")
    assert assign_over_http(staff_api, departure, guide).status_code == 201

    text = _programme(api, booked)

    assert "Jeanne Delattre" in text
    assert "+33 6 11 22 33 44" in text
    assert "Guide principal" in text
    assert "Votre guide vous attendra" not in text


def test_programme_follows_assignments_made_after_it_was_first_served(
    api: Any, staff_api: Any
) -> None:
    departure = bookable_departure()
    booked = book(api, departure, participants=10).json()
    # Twice: the second fetch is the one that stores the token's cached head.
    _programme(api, booked)
    before = _programme(api, booked)
    assert "Votre guide vous attendra au point de rendez-vous." in before

    guide = make_guide(display_name="Marc Lefebvre")
    assert assign_over_http(staff_api, departure, guide, role="assistant").status_code == 201
    after = _programme(api, booked)
    assert "Marc Lefebvre" in after and "Guide assistant" in after

    released = staff_api.delete(
        f"/api/v1/departures/{departure.pk}/assignments/", {"guide": guide.pk}, format="json"
    )
    assert released.status_code == 204
    assert "Marc Lefebvre" not in _programme(api, booked)
