"""Access facts per stop (issue 18, item 2): walking distance and climb per stop, toilets at the
site, the alternative offered to those who cannot do a stop (the slag heap's climb). Unknown
facts stay empty and are not shown; known ones reach the catalogue's answer, the staff's
writes, the stops' admin (a catalogue write, also under scheduled departures) and the
programme PDF."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from bookings import programme
from bookings.models import Booking
from itineraries.models import Stop
from tests.admin_forms import form_data
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def departure() -> Any:
    heap = SiteFactory(slug="terril-74a", name_fr="Terril 74A", name_en="Slag heap 74A")
    return bookable_departure(
        stops=[
            {
                "site": heap,
                "offset_minutes": 0,
                "duration_minutes": 90,
                "title_fr": "Montée du terril",
                "title_en": "Climbing the heap",
            }
        ]
    )


def _stop(departure: Any) -> Stop:
    return departure.itinerary.stops.get()


def _facts(departure: Any, **values: Any) -> None:
    stop = _stop(departure)
    Stop.objects.filter(pk=stop.pk).update(**values)


def _detail(api: Any, departure: Any) -> dict[str, Any]:
    answer = api.get(f"/api/v1/itineraries/{departure.itinerary.slug}/")
    assert answer.status_code == 200
    stop: dict[str, Any] = answer.json()["stops"][0]
    return stop


def test_unknown_facts_are_null_in_the_catalogue(api: Any, departure: Any) -> None:
    stop = _detail(api, departure)
    assert stop["walking_distance_m"] is None and stop["climb_m"] is None
    assert stop["alternative"] == "" and stop["site"]["toilets"] is None


def test_staff_write_the_facts_and_the_catalogue_shows_them(
    staff_api: Any, api: Any, departure: Any
) -> None:
    _detail(api, departure)  # cached now: the write must make it stale
    slug = departure.itinerary.slug
    departure.delete()  # stops are frozen under scheduled departures (the API's rule)
    stops = [
        {
            "site": "terril-74a",
            "position": 1,
            "offset_minutes": 0,
            "duration_minutes": 90,
            "title_fr": "Montée du terril",
            "walking_distance_m": 1200,
            "climb_m": 90,
            "alternative_fr": "Rester au pied du terril avec un accompagnateur.",
            "alternative_en": "Stay at the foot of the heap with an adult.",
        }
    ]
    answer = staff_api.patch(f"/api/v1/itineraries/{slug}/", {"stops": stops}, format="json")
    assert answer.status_code == 200, answer.content
    stop = api.get(f"/api/v1/itineraries/{slug}/", HTTP_ACCEPT_LANGUAGE="en").json()["stops"][0]
    assert (stop["walking_distance_m"], stop["climb_m"]) == (1200, 90)
    assert stop["alternative"] == "Stay at the foot of the heap with an adult."


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("climb_m", -5, "min_value"), ("walking_distance_m", "far", "invalid")],
)
def test_bad_facts_are_refused(
    staff_api: Any, departure: Any, field: str, value: Any, code: str
) -> None:
    slug = departure.itinerary.slug
    departure.delete()
    stop = {
        "site": "terril-74a",
        "position": 1,
        "offset_minutes": 0,
        "duration_minutes": 90,
        "title_fr": "Montée",
        field: value,
    }
    answer = staff_api.patch(f"/api/v1/itineraries/{slug}/", {"stops": [stop]}, format="json")
    assert_problem(answer, 400, code, f"stops.0.{field}")
    assert _stop_of(slug).climb_m is None


def _stop_of(slug: str) -> Stop:
    return Stop.objects.get(itinerary__slug=slug)


def test_the_stops_admin_edits_the_facts_under_scheduled_departures(
    api: Any, departure: Any
) -> None:
    _detail(api, departure)  # cached
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = f"/admin/itineraries/stop/{_stop(departure).pk}/change/"
    data = form_data(client.get(url))
    data.update(walking_distance_m="800", climb_m="", alternative_fr="Attendre au pied du terril.")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    stop = _detail(api, departure)  # the write made the cached answer stale
    assert stop["walking_distance_m"] == 800 and stop["climb_m"] is None
    assert stop["alternative"] == "Attendre au pied du terril."
    # The schedule fields are not on the form: nothing else changed.
    assert _stop(departure).duration_minutes == 90
    assert client.get("/admin/itineraries/stop/add/").status_code == 403


def _text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def test_the_programme_says_the_known_facts(api: Any, departure: Any) -> None:
    _facts(
        departure,
        walking_distance_m=1200,
        climb_m=90,
        alternative_fr="Rester au pied du terril avec un accompagnateur.",
        alternative_en="Stay at the foot of the heap with an adult.",
    )
    site = _stop(departure).site
    site.toilets = False
    site.save()
    body = book(api, departure, participants=10).json()
    booking = Booking.objects.get(reference=body["reference"])
    html = re.sub(r"\s+", " ", programme.programme_html(booking))
    assert "1200 m à pied · 90 m de montée · Pas de toilettes sur place</span>" in html
    pdf = api.get(
        f"/api/v1/bookings/{body['reference']}/programme.pdf",
        HTTP_X_BOOKING_TOKEN=body["token"],
    ).content
    text = _text(pdf)
    assert "1200 m à pied · 90 m de montée" in text
    assert "Si vous ne pouvez pas : Rester au pied du terril avec un accompagnateur." in text
    Booking.objects.filter(pk=booking.pk).update(language="en")
    english = re.sub(r"\s+", " ", programme.programme_html(Booking.objects.get(pk=booking.pk)))
    assert "1200 m on foot · 90 m climb · No toilets on site" in english
    assert "If you cannot: Stay at the foot of the heap with an adult." in english


def test_the_programme_says_nothing_of_unknown_facts(api: Any, departure: Any) -> None:
    body = book(api, departure, participants=10).json()
    html = programme.programme_html(Booking.objects.get(reference=body["reference"]))
    assert "à pied" not in html and "montée" not in html.replace("Montée du terril", "")
    assert "toilettes" not in html.lower() and "Si vous ne pouvez pas" not in html
