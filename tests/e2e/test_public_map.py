"""The public map in a real browser, with the tile server blocked (the offline path): every
site is on the project's own drawing and in the list, the category filter hides and shows both,
a marker opens the site's card by keyboard, the itinerary page draws its route; FR and EN at
390 and 1280 px, and axe-core finds no serious violation."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from itineraries.models import Stop
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_accessibility import audit, axe_page  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TILES = "**/tile.openstreetmap.org/**"


@pytest.fixture(autouse=True)
def _blocked_tile_server(_no_tile_server: None, settings: Any) -> None:
    # The default tile server is configured, and every request to it is refused by the tests.
    settings.MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@pytest.fixture
def demo(db: Any) -> None:
    call_command("load_demo", stdout=io.StringIO())


def _tile_problem(text: str) -> bool:
    # The blocked tiles: Chromium logs each refused image as a console error.
    return "net::ERR_FAILED" in text


def _open(page: Any, lang: str, width: int, path: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.route(TILES, lambda route: route.abort())
    page.goto("/")
    page.evaluate(f"localStorage.setItem('va-lang', '{lang}')")
    page.goto(path)
    page.locator(".site-marker").first.wait_for()


@pytest.mark.parametrize(
    ("lang", "width", "texts"),
    [
        ("fr", 390, {"title": "Carte de la transition", "solar": "Solaire photovoltaïque"}),
        ("fr", 1280, {"title": "Carte de la transition", "solar": "Solaire photovoltaïque"}),
        ("en", 390, {"title": "Map of the transition", "solar": "Solar photovoltaic"}),
        ("en", 1280, {"title": "Map of the transition", "solar": "Solar photovoltaic"}),
    ],
)
def test_map_shows_every_site_offline_filters_and_opens_cards(
    page: Any, demo: None, lang: str, width: int, texts: dict[str, str]
) -> None:
    _open(page, lang, width, "/map/")
    assert page.get_by_role("heading", level=1).inner_text() == texts["title"]
    markers = page.locator(".site-marker")
    items = page.locator("#site-list > li")
    assert markers.count() == items.count() == 15
    # The tiles failed: the page says so, and the project's drawing is there under the markers.
    page.locator(".site-map.tiles-failed").wait_for()
    assert page.locator(".basin-drawing .grid").count() > 4
    assert page.locator(".town-label").count() >= 4
    assert page.locator(".leaflet-tile-loaded").count() == 0

    page.get_by_label(texts["solar"]).check()
    assert page.locator(".site-marker").count() == 3
    assert page.locator("#site-list > li:not([hidden])").count() == 3
    visible = page.locator("#site-list > li:not([hidden]) h3").all_inner_texts()
    assert any("Mine de Soleil" in name for name in visible)

    # Keyboard: focus the Mine de Soleil marker, press Enter, the card opens with its figures.
    marker = page.locator('.site-marker[data-site="mine-de-soleil"]')
    marker.focus()
    page.keyboard.press("Enter")
    card = page.locator("#site-card")
    card.wait_for()
    assert page.evaluate("document.activeElement.id") == "site-card-title"
    assert "450" in card.inner_text() and "2019" in card.inner_text()
    assert card.get_by_role("link", name="SEM Énergies Hauts-de-France", exact=False).count() == 2
    assert "site=mine-de-soleil" in page.url
    if width == 1280:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"map-card-{lang}.png"), full_page=True)
    card.get_by_role("button").last.click()
    assert card.is_hidden()

    # The list is the equivalent: each entry opens the same card without the map.
    page.locator("input[value=all]").check()
    assert page.locator(".site-marker").count() == 15
    page.locator('#site-list li[data-site="terril-74a"] button').click()
    assert "186" in card.inner_text()
    problems = [text for text in page.problems if not _tile_problem(text)]
    assert problems == []


def test_a_shared_link_opens_the_site_card(page: Any, demo: None) -> None:
    _open(page, "en", 1280, "/map/?site=eglise-saint-vaast")
    card = page.locator("#site-card")
    card.wait_for()
    text = card.inner_text()
    assert "235" in text and "m²" in text and "Installed power" in text
    assert card.get_by_role("link", name="Pilot town: from the mine to the sun").count() == 1


def test_itinerary_page_draws_its_route_on_the_same_map(page: Any, demo: None) -> None:
    _open(page, "fr", 390, "/itineraries/ville-pilote-mine-soleil")
    stops = page.locator(".site-map.route .site-marker")
    assert stops.count() == Stop.objects.filter(itinerary__slug="ville-pilote-mine-soleil").count()
    assert page.locator(".site-map.route path.route-line").count() == 1
    first = page.locator(".site-map.route .site-marker").first.get_attribute("aria-label")
    assert first is not None and first.startswith("Étape 1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "itinerary-route-phone.png"), full_page=True)
    assert [text for text in page.problems if not _tile_problem(text)] == []


def test_map_page_passes_axe(axe_page: Any, demo: None) -> None:  # noqa: F811
    axe_page.route(TILES, lambda route: route.abort())
    for path in ("/map/", "/map/?site=mine-de-soleil", "/itineraries/ville-pilote-mine-soleil"):
        axe_page.goto(path)
        axe_page.locator(".site-marker").first.wait_for()
        axe_page.wait_for_load_state("networkidle")
        assert audit(axe_page) == [], path
