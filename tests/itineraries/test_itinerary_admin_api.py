"""Staff create and change itineraries through the services."""

from __future__ import annotations

from typing import Any

import pytest

from itineraries.models import Itinerary
from itineraries.services import ITINERARY_HAS_DEPARTURES, SITE_NOT_BOOKABLE
from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, SiteFactory, ThemeFactory, schedule

pytestmark = pytest.mark.django_db


def _payload(**overrides: Any) -> dict[str, Any]:
    data = {
        "slug": "quartier-ouest",
        "title_fr": "Quartier Ouest",
        "title_en": "Quartier Ouest",
        "summary_fr": "Balade dans l'écoquartier.",
        "meeting_point_fr": "Place de la République",
        "languages": ["fr", "en"],
        "min_participants": 5,
        "max_participants": 25,
        "price_per_person_cents": 1200,
        "themes": ["urbanisme"],
        "stops": [
            {
                "site": "quartier-ouest",
                "position": 1,
                "offset_minutes": 0,
                "duration_minutes": 90,
                "title_fr": "Cités minières",
            },
        ],
        "options": [
            {
                "code": "lunch",
                "name_fr": "Déjeuner",
                "price_per_person_cents": 1800,
                "vat_rate": "10.00",
            },
        ],
        "is_published": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def catalogue() -> None:
    ThemeFactory(slug="urbanisme")
    SiteFactory(slug="quartier-ouest")


def test_staff_create_a_published_itinerary(staff_api: Any, catalogue: None) -> None:
    response = staff_api.post("/api/v1/itineraries/", _payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "quartier-ouest"
    assert body["duration_minutes"] == 90
    assert body["options"][0]["code"] == "lunch"
    assert body["themes"][0]["slug"] == "urbanisme"
    assert body["is_published"] is True


def test_an_itinerary_visiting_a_closed_site_cannot_be_published(
    staff_api: Any, catalogue: None
) -> None:
    SiteFactory(slug="terril-74", is_bookable=False)
    payload = _payload()
    payload["stops"][0]["site"] = "terril-74"
    response = staff_api.post("/api/v1/itineraries/", payload, format="json")
    assert_problem(response, 400, SITE_NOT_BOOKABLE)
    assert not Itinerary.objects.exists()


def test_publishing_later_is_refused_for_a_closed_site(staff_api: Any) -> None:
    closed = SiteFactory(slug="terril-74", is_bookable=False)
    ItineraryFactory(slug="draft", is_published=False, stops=[{"site": closed}])
    response = staff_api.patch("/api/v1/itineraries/draft/", {"is_published": True}, format="json")
    assert_problem(response, 400, SITE_NOT_BOOKABLE)
    assert Itinerary.objects.get(slug="draft").is_published is False


def test_stops_cannot_change_under_scheduled_departures(staff_api: Any) -> None:
    itinerary = ItineraryFactory(slug="busy")
    schedule(itinerary, days=5)
    site = SiteFactory(slug="elsewhere")
    response = staff_api.patch(
        "/api/v1/itineraries/busy/",
        {
            "stops": [
                {
                    "site": site.slug,
                    "position": 1,
                    "offset_minutes": 0,
                    "duration_minutes": 30,
                    "title_fr": "Ailleurs",
                }
            ]
        },
        format="json",
    )
    assert_problem(response, 409, ITINERARY_HAS_DEPARTURES, "stops")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"max_participants": 2}, "max_participants"),
        ({"languages": ["xx"]}, "languages.0"),
        ({"languages": []}, "languages"),
        ({"price_per_person_cents": -1}, "price_per_person_cents"),
        ({"themes": ["nope"]}, "themes"),
        ({"private_start_times": ["25:00"]}, "private_start_times.0"),
        (
            {"cancellation_policy": [{"days_before": 3, "refund_percent": 140}]},
            "cancellation_policy.0.refund_percent",
        ),
    ],
)
def test_bad_itinerary_input_names_the_field(
    staff_api: Any, catalogue: None, overrides: Any, field: str
) -> None:
    response = staff_api.post("/api/v1/itineraries/", _payload(**overrides), format="json")
    assert_problem(response, 400, "validation_error", field)
    assert not Itinerary.objects.exists()


def test_nested_stop_error_has_a_dotted_path(staff_api: Any, catalogue: None) -> None:
    payload = _payload()
    payload["stops"][0]["duration_minutes"] = 0
    response = staff_api.post("/api/v1/itineraries/", payload, format="json")
    assert_problem(response, 400, "validation_error", "stops.0.duration_minutes")
