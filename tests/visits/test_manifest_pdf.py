"""The departure's printable manifest (issue 18, item 5; visits/manifest.py): groups, head
counts, names, categories, needs, the organiser's phone, meeting point and programme timing, in
French or English, read back from the real PDF (pdftotext); for the guides assigned to the
departure and staff who may read bookings, nobody else."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from itineraries.services import departure_cancel
from tests.bookings.helpers import book, bookable_departure, booking_body
from tests.conftest import assert_problem
from tests.factories import StaffFactory, UserFactory
from tests.guides.helpers import assign, make_guide

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def _as(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "manifest.pdf"
    path.write_bytes(pdf)
    # Poppler's pdftotext, a fixed argument list (no shell, no reader input).
    out = subprocess.run(  # noqa: S603
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return re.sub(r"[ \t]+", " ", out)


def _org(name: str) -> dict[str, Any]:
    return {**booking_body()["organisation"], "name": name}


@pytest.fixture
def visit(api: Any) -> dict[str, Any]:
    departure = bookable_departure(days=10)
    named = book(api, departure, participants=3, organisation=_org("Collège Jean Jaurès")).json()
    book(api, departure, participants=12, organisation=_org("Lycée Condorcet"))
    answer = api.put(
        f"/api/v1/bookings/{named['reference']}/participants/",
        {
            "participants": [
                {"name": "Léa Martin", "category": "pupil", "needs": {"reduced_mobility": True}},
                {
                    "name": "Hugo Petit",
                    "category": "pupil",
                    "needs": {"diet": True, "details": "vegan"},
                },
                {"name": "Mme Roux", "category": "accompanying_staff"},
            ]
        },
        format="json",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )
    assert answer.status_code == 200, answer.content
    guide = make_guide(display_name="Aïcha Benali")
    guide.phone = "+33 6 00 00 00 11"
    guide.save()
    assign(departure, guide)
    return {"departure": departure, "guide": guide, "named": named["reference"]}


def _url(visit: dict[str, Any], lang: str | None = None) -> str:
    url = f"/api/v1/departures/{visit['departure'].pk}/manifest.pdf"
    return f"{url}?lang={lang}" if lang else url


def test_the_assigned_guide_prints_the_manifest_in_french(
    visit: dict[str, Any], tmp_path: Path
) -> None:
    response = _as(visit["guide"].user).get(_url(visit, "fr"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith('inline; filename="manifest-base-11-19-')
    pdf = response.content
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "manifest-fr.pdf").write_bytes(pdf)
    body = text(pdf, tmp_path)
    assert "Manifeste du départ" in body
    assert "15 participants" in body and "2 groupes" in body and "3 nommés" in body
    assert "Collège Jean Jaurès" in body and "Lycée Condorcet" in body
    assert "Léa Martin" in body and "Hugo Petit" in body and "Mme Roux" in body
    assert "Élève ou étudiant" in body and "Accompagnateur" in body
    assert "Mobilité réduite" in body and "vegan" in body
    assert "Claire Martin" in body  # the organiser, with the phone
    assert re.search(r"\+33 ?6 ?12 ?34 ?56 ?78", body)
    assert "Point de rendez-vous" in body
    assert "Aïcha Benali" in body and "+33 6 00 00 00 11" in body
    assert "Programme" in body
    stops = list(visit["departure"].itinerary.stops.order_by("position"))
    assert stops and all(stop.title in body for stop in stops)
    assert "12 participants sans nom sur la liste" in body


def test_the_manifest_speaks_english(visit: dict[str, Any], tmp_path: Path) -> None:
    body = text(_as(visit["guide"].user).get(_url(visit, "en")).content, tmp_path)
    assert "Departure manifest" in body
    assert "15 participants" in body and "2 groups" in body
    assert "Pupil or student" in body and "Reduced mobility" in body
    assert "Meeting point" in body and "Programme" in body
    assert "12 participants without a name on the list" in body
    # By default, the reader's language.
    default = _as(visit["guide"].user).get(_url(visit), HTTP_ACCEPT_LANGUAGE="en")
    assert "Departure manifest" in text(default.content, tmp_path)


def test_staff_who_may_read_bookings_print_it(visit: dict[str, Any], tmp_path: Path) -> None:
    staff = StaffFactory(username="office")
    assert _as(staff).get(_url(visit)).status_code == 200
    powerless = StaffFactory(username="powerless", groups=[])
    assert_problem(_as(powerless).get(_url(visit)), 404, "not_found")


def test_nobody_else_reads_it(visit: dict[str, Any]) -> None:
    other = make_guide(display_name="Bruno")
    assert_problem(_as(other.user).get(_url(visit)), 404, "not_found")
    assert_problem(_as(UserFactory(username="someone")).get(_url(visit)), 404, "not_found")
    assert APIClient().get(_url(visit)).status_code in (401, 403)
    missing = f"/api/v1/departures/{visit['departure'].pk + 999}/manifest.pdf"
    assert_problem(_as(visit["guide"].user).get(missing), 404, "not_found")


def test_a_wrong_language_is_refused(visit: dict[str, Any]) -> None:
    assert_problem(_as(visit["guide"].user).get(_url(visit, "de")), 400, "invalid_choice", "lang")


def test_a_cancelled_departure_says_so(visit: dict[str, Any], tmp_path: Path) -> None:
    departure_cancel(departure=visit["departure"])
    body = text(_as(visit["guide"].user).get(_url(visit, "en")).content, tmp_path)
    assert "This departure is cancelled." in body
    assert "No group has booked this departure." in body  # the cancelled groups hold no seats
