"""The map's open data: ``/api/v1/sites.geojson`` (RFC 7946) and ``/api/v1/sites.csv``, with
their licence, ETags and 304 answers, and their place in the API schema."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from itineraries.invalidation import catalogue_written
from itineraries.models import Site, SiteFigure
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

GEOJSON = "/api/v1/sites.geojson"
CSV = "/api/v1/sites.csv"
ETALAB = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


def _rfc7946_problems(document: dict[str, Any]) -> list[str]:
    """RFC 7946's rules for a FeatureCollection of Points, checked one by one."""
    problems = []
    if document.get("type") != "FeatureCollection":
        problems.append("not a FeatureCollection")
    if "crs" in document:
        problems.append("crs member (removed by RFC 7946, section 4)")
    for feature in document.get("features", []):
        if feature.get("type") != "Feature" or not isinstance(feature.get("properties"), dict):
            problems.append(f"bad feature {feature.get('id')}")
        geometry = feature.get("geometry") or {}
        position = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(position, list):
            problems.append(f"bad geometry {feature.get('id')}")
            continue
        if len(position) not in (2, 3) or not all(isinstance(n, int | float) for n in position):
            problems.append(f"bad position {position}")
            continue
        longitude, latitude = position[0], position[1]
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            problems.append(f"position out of range {position}")
    bbox = document.get("bbox")
    if bbox is not None:
        lons = [f["geometry"]["coordinates"][0] for f in document["features"]]
        lats = [f["geometry"]["coordinates"][1] for f in document["features"]]
        if bbox != [min(lons), min(lats), max(lons), max(lats)]:
            problems.append(f"bbox {bbox} is not [west, south, east, north]")
    return problems


def test_the_validator_catches_latitude_first_positions() -> None:
    swapped = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [50.4432, 182.7885]},
            }
        ],
    }
    assert _rfc7946_problems(swapped) == ["position out of range [50.4432, 182.7885]"]


def test_geojson_of_the_demo_sites_follows_rfc_7946_in_longitude_latitude_order(api: Any) -> None:
    call_command("load_demo", stdout=io.StringIO())
    response = api.get(GEOJSON)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["Link"] == f'<{ETALAB}>; rel="license"'
    document = json.loads(response.content)
    assert _rfc7946_problems(document) == []
    assert document["licence"] == {
        "name": "Licence Ouverte / Open Licence 2.0 (Etalab)",
        "url": ETALAB,
    }
    features = {feature["id"]: feature for feature in document["features"]}
    assert len(features) == Site.objects.count() == 15
    # Known places (../shared/DOMAIN.md): longitude first, then latitude.
    assert features["base-11-19"]["geometry"]["coordinates"] == [2.7885, 50.4432]
    assert features["louvre-lens"]["geometry"]["coordinates"] == [2.8033, 50.4306]
    assert features["lewarde"]["geometry"]["coordinates"] == [3.1726, 50.3317]
    # Lewarde is the south-east corner of the set, the Cité des Électriciens the west.
    assert document["bbox"] == [2.556, 50.3317, 3.1726, 50.4813]


def test_geojson_properties_are_typed_and_bilingual(api: Any) -> None:
    call_command("load_demo", stdout=io.StringIO())
    features = {f["id"]: f for f in json.loads(api.get(GEOJSON).content)["features"]}
    soleil = features["mine-de-soleil"]["properties"]
    assert soleil["name_fr"] == "Toits citoyens Mine de Soleil"
    assert soleil["name_en"] == "Mine de Soleil citizen roofs"
    assert soleil["categories"] == ["solar_pv"]
    assert soleil["itineraries"] == ["ville-pilote-mine-soleil"]
    assert soleil["figures"][1] == {
        "label_fr": "Puissance cumulée",
        "label_en": "Combined power",
        "value": "450",
        "unit_fr": "kWc",
        "unit_en": "kWp",
        "year": 2019,
        "source": "SEM Énergies Hauts-de-France, « Mine de Soleil à Loos-en-Gohelle »",
        "source_url": "https://www.energies-hdf.fr/portfolio/une-mine-de-soleil-a-loos-en-gohelle/",
    }
    types = {
        "slug": str,
        "name_fr": str,
        "name_en": str,
        "categories": list,
        "demonstrates_fr": str,
        "demonstrates_en": str,
        "address": str,
        "wheelchair_accessible": bool,
        "minimum_age": int,
        "accessibility_fr": str,
        "accessibility_en": str,
        "open_to_visits": bool,
        "figures": list,
        "itineraries": list,
        "url": str,
    }
    for feature in features.values():
        properties = feature["properties"]
        assert set(properties) == set(types)
        for name, expected in types.items():
            assert type(properties[name]) is expected, (feature["id"], name)
    assert features["terril-74"]["properties"]["open_to_visits"] is False


def test_sites_off_the_map_are_not_in_the_open_data(api: Any) -> None:
    SiteFactory(slug="shown")
    SiteFactory(slug="hidden", on_map=False)
    ids = [f["id"] for f in json.loads(api.get(GEOJSON).content)["features"]]
    assert ids == ["shown"]
    rows = list(csv.DictReader(io.StringIO(api.get(CSV).content.decode("utf-8-sig"))))
    assert [row["slug"] for row in rows] == ["shown"]


def test_an_empty_map_is_an_empty_feature_collection(api: Any) -> None:
    document = json.loads(api.get(GEOJSON).content)
    assert document["features"] == [] and "bbox" not in document
    assert _rfc7946_problems(document) == []


@pytest.mark.parametrize("path", [GEOJSON, CSV])
def test_a_conditional_get_answers_304_until_a_site_changes(api: Any, path: str) -> None:
    site: Any = SiteFactory(slug="base-11-19")
    first = api.get(path)
    etag = first["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    assert "must-revalidate" in first["Cache-Control"]
    again = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    # Whatever the Accept header, the URL names the format.
    assert api.get(path, HTTP_ACCEPT="application/json").status_code == 200
    site.latitude = Decimal("50.44400")
    site.save()
    catalogue_written()  # what the site's admin does after a change
    changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    # A new key figure is in the GeoJSON; the CSV has no figure column, so its bytes and ETag
    # stay the same (the ETag is the bytes' hash).
    SiteFigure.objects.create(site=site, label="x", value="1", year=2020, source="s")
    catalogue_written()
    expected = 200 if path == GEOJSON else 304
    assert api.get(path, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == expected


def test_csv_has_a_header_wgs84_columns_and_neutralised_formulas(api: Any) -> None:
    call_command("load_demo", stdout=io.StringIO())
    SiteFactory(slug="piege", name_fr='=HYPERLINK("http://evil")', latitude=Decimal("50.1"))
    response = api.get(CSV)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Link"] == f'<{ETALAB}>; rel="license"'
    assert response.content.startswith("\ufeff".encode())
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    base = rows["base-11-19"]
    assert (base["longitude"], base["latitude"]) == ("2.78850", "50.44320")
    assert base["categories"] == "mining_heritage|culture"
    assert rows["lumiwatt"]["itineraries"] == "base-11-19-terrils-jumeaux|ville-pilote-mine-soleil"
    assert rows["terril-74"]["open_to_visits"] == "false"
    assert rows["piege"]["name_fr"] == '\'=HYPERLINK("http://evil")'


@override_settings(
    OPEN_DATA_LICENCE_NAME="ODbL 1.0",
    OPEN_DATA_LICENCE_URL="https://opendatacommons.org/licenses/odbl/1-0/",
)
def test_the_licence_is_a_setting(api: Any) -> None:
    SiteFactory()
    response = api.get(GEOJSON)
    assert json.loads(response.content)["licence"]["name"] == "ODbL 1.0"
    assert response["Link"] == '<https://opendatacommons.org/licenses/odbl/1-0/>; rel="license"'


def test_open_data_is_in_the_api_schema(client: Any) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    geojson = schema["paths"]["/api/v1/sites.geojson"]["get"]
    assert {"200", "304"} <= set(geojson["responses"])
    assert "application/geo+json" in geojson["responses"]["200"]["content"]
    csv_op = schema["paths"]["/api/v1/sites.csv"]["get"]
    assert "text/csv" in csv_op["responses"]["200"]["content"]
    card = schema["components"]["schemas"]["SiteCard"]["properties"]
    assert {"categories", "figures", "itineraries", "demonstrates"} <= set(card)
