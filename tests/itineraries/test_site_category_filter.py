"""``GET /api/v1/sites/?category=``: the sites of one category, filtered by the database the
same way on SQLite and PostgreSQL; an unknown category is a problem on its field."""

from __future__ import annotations

from typing import Any

import pytest

from itineraries import selectors
from tests.conftest import assert_problem
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites() -> None:
    SiteFactory(slug="church", name="Église", categories=["solar_pv", "solar_thermal"])
    SiteFactory(slug="lumiwatt", name="LumiWatt", categories=["solar_pv"])
    SiteFactory(slug="heaps", name="Terrils", categories=["mining_heritage", "biodiversity_water"])
    SiteFactory(slug="nothing", name="Rien", categories=[])


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [site["slug"] for site in response.json()["results"]]


@pytest.mark.usefixtures("sites")
def test_the_list_filters_by_category(api: Any) -> None:
    assert slugs(api.get("/api/v1/sites/?category=solar_pv")) == ["church", "lumiwatt"]
    assert slugs(api.get("/api/v1/sites/?category=solar_thermal")) == ["church"]
    assert slugs(api.get("/api/v1/sites/?category=biodiversity_water")) == ["heaps"]
    assert slugs(api.get("/api/v1/sites/?category=culture")) == []
    assert len(slugs(api.get("/api/v1/sites/"))) == 4


@pytest.mark.usefixtures("sites")
def test_a_code_never_matches_inside_another(api: Any) -> None:
    # "solar" is a prefix of two codes: refused as unknown, not matched as a substring.
    assert_problem(api.get("/api/v1/sites/?category=solar"), 400, "invalid_choice", "category")
    with pytest.raises(ValueError):
        selectors.site_card_queryset(category='pv"')


@pytest.mark.usefixtures("sites")
def test_the_filter_costs_no_more_queries(api: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(4):  # count, page, figures, stops
        assert slugs(api.get("/api/v1/sites/?category=solar_pv")) == ["church", "lumiwatt"]


@pytest.mark.usefixtures("sites")
def test_the_filter_is_in_the_schema(api: Any) -> None:
    schema = api.get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/sites/"]["get"]["parameters"]
    category = next(p for p in parameters if p["name"] == "category")
    assert category["in"] == "query"
