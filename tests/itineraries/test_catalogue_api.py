"""The public catalogue over HTTP: themes, sites, itineraries, filters, languages, errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, OptionFactory, SiteFactory, StopFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def test_theme_list_is_paginated_and_translated(api: Any) -> None:
    ThemeFactory(slug="energie", name_fr="Énergie", name_en="Energy")
    body = api.get("/api/v1/themes/").json()
    assert body["count"] == 1
    assert body["results"] == [{"slug": "energie", "name": "Énergie", "description": ""}]
    english = api.get("/api/v1/themes/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["results"][0]["name"] == "Energy"


def test_site_detail_has_coordinates_and_constraints(api: Any) -> None:
    SiteFactory(slug="terril-74a", name_fr="Terril 74A", max_visitors=40, minimum_age=6)
    body = api.get("/api/v1/sites/terril-74a/").json()
    assert body["slug"] == "terril-74a"
    assert body["latitude"] == pytest.approx(50.4432)
    assert body["max_visitors"] == 40
    assert body["minimum_age"] == 6


def test_unknown_site_is_a_problem_404(api: Any) -> None:
    assert_problem(api.get("/api/v1/sites/nowhere/"), 404, "not_found")


def test_only_published_itineraries_are_public(api: Any) -> None:
    ItineraryFactory(slug="visible", is_published=True)
    ItineraryFactory(slug="draft", is_published=False)
    slugs = [row["slug"] for row in api.get("/api/v1/itineraries/").json()["results"]]
    assert slugs == ["visible"]
    assert_problem(api.get("/api/v1/itineraries/draft/"), 404, "not_found")


def test_staff_see_drafts(staff_api: Any) -> None:
    ItineraryFactory(slug="draft", is_published=False)
    assert staff_api.get("/api/v1/itineraries/draft/").status_code == 200


def test_itinerary_detail_has_stops_options_price_and_policy(api: Any) -> None:
    itinerary = ItineraryFactory(slug="base", stops=[], price_per_person_cents=1500)
    site = SiteFactory(slug="base-11-19")
    StopFactory(itinerary=itinerary, site=site, position=1, offset_minutes=0, duration_minutes=75)
    StopFactory(itinerary=itinerary, position=2, offset_minutes=80, duration_minutes=85)
    OptionFactory(itinerary=itinerary, code="lunch")
    body = api.get("/api/v1/itineraries/base/").json()
    assert body["duration_minutes"] == 165
    assert [stop["position"] for stop in body["stops"]] == [1, 2]
    assert body["stops"][0]["site"]["slug"] == "base-11-19"
    assert body["stops"][0]["end_offset_minutes"] == 75
    assert body["options"][0] == {
        "code": "lunch",
        "name": "Déjeuner",
        "description": "",
        "price_per_person_cents": 1800,
        "vat_rate": "10.00",
    }
    assert body["price_per_person_cents"] == 1500
    assert body["vat_rate"] == "20.00"
    assert body["currency"] == "EUR"
    assert body["deposit_percent"] == 30
    assert body["cancellation_policy"][0] == {"days_before": 30, "refund_percent": 100}


def test_itinerary_texts_follow_accept_language(api: Any) -> None:
    ItineraryFactory(slug="x", title_fr="De la mine au soleil", title_en="From mine to sun")
    assert api.get("/api/v1/itineraries/x/").json()["title"] == "De la mine au soleil"
    english = api.get("/api/v1/itineraries/x/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["title"] == "From mine to sun"
    assert english["Content-Language"] == "en"


def test_filters_theme_language_duration_participants(api: Any) -> None:
    energy = ThemeFactory(slug="energie")
    short = ItineraryFactory(slug="short", languages=["fr", "nl"], min_participants=10)
    short.themes.add(energy)
    ItineraryFactory(
        slug="long",
        languages=["fr"],
        max_participants=20,
        stops=[{"offset_minutes": 0, "duration_minutes": 480}],
    )

    def slugs(query: str) -> list[str]:
        response = api.get(f"/api/v1/itineraries/?{query}")
        assert response.status_code == 200, response.content
        return sorted(row["slug"] for row in response.json()["results"])

    assert slugs("theme=energie") == ["short"]
    assert slugs("language=nl") == ["short"]
    assert slugs("language=fr") == ["long", "short"]
    assert slugs("max_duration=120") == ["short"]
    assert slugs("participants=5") == ["long"]
    assert slugs("participants=25") == ["short"]
    assert slugs("participants=15&language=fr") == ["long", "short"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("theme=unknown-theme", "theme"),
        ("language=xx", "language"),
        ("max_duration=-5", "max_duration"),
        ("max_duration=abc", "max_duration"),
        ("participants=0", "participants"),
        ("participants=10000", "participants"),
        ("participants=1e9", "participants"),
    ],
)
def test_bad_filter_values_are_400_naming_the_field(api: Any, query: str, field: str) -> None:
    ItineraryFactory()
    assert_problem(api.get(f"/api/v1/itineraries/?{query}"), 400, "validation_error", field)


def test_unknown_page_is_a_problem_404(api: Any) -> None:
    assert_problem(api.get("/api/v1/itineraries/?page=99"), 404, "not_found")


def test_list_query_count_does_not_grow_with_rows(api: Any, django_assert_num_queries: Any) -> None:
    for _ in range(3):
        ItineraryFactory().themes.add(ThemeFactory())
    with django_assert_num_queries(3):  # count, page, themes
        assert api.get("/api/v1/itineraries/").status_code == 200
    for _ in range(12):
        ItineraryFactory().themes.add(ThemeFactory(), ThemeFactory())
    with django_assert_num_queries(3):
        assert len(api.get("/api/v1/itineraries/").json()["results"]) == 15


def test_detail_query_count_is_fixed(api: Any, django_assert_num_queries: Any) -> None:
    itinerary = ItineraryFactory(slug="x", stops=[])
    for position in range(1, 6):
        StopFactory(itinerary=itinerary, position=position, offset_minutes=position * 60)
    OptionFactory(itinerary=itinerary)
    with django_assert_num_queries(4):  # itinerary, themes, stops with sites, options
        assert api.get("/api/v1/itineraries/x/").status_code == 200


# Sites: count and page, then their key figures and the published itineraries visiting them.
@pytest.mark.parametrize(("path", "queries"), [("/api/v1/themes/", 2), ("/api/v1/sites/", 4)])
def test_small_lists_query_count_is_fixed(
    api: Any, django_assert_num_queries: Any, path: str, queries: int
) -> None:
    for _ in range(5):
        ThemeFactory()
        SiteFactory()
    with django_assert_num_queries(queries):
        assert api.get(path).status_code == 200


def test_anonymous_cannot_create_an_itinerary(api: Any) -> None:
    response = api.post("/api/v1/itineraries/", {"slug": "x"}, format="json")
    assert_problem(response, 403, "not_authenticated")


def test_demo_data_loads_twice_without_duplicates(api: Any) -> None:
    call_command("load_demo", stdout=_Null())
    first = api.get("/api/v1/itineraries/").json()["count"]
    from itineraries.models import Departure, Site

    departures = Departure.objects.count()
    call_command("load_demo", stdout=_Null())
    assert api.get("/api/v1/itineraries/").json()["count"] == first == 3
    assert Departure.objects.count() == departures > 30
    assert Site.objects.get(slug="terril-74").is_bookable is False
    body = api.get("/api/v1/itineraries/base-11-19-terrils-jumeaux/").json()
    assert "terril-74" not in [stop["site"]["slug"] for stop in body["stops"]]
    english = api.get("/api/v1/sites/terril-74a/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["name"] == "Slag heap 74A"


class _Null:
    def write(self, *args: Any) -> None:
        pass
