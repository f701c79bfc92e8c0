"""Each page downloads its own modules, announced up front: in a real browser, every module a
route loads was named by the shell's preloads (no chain of round trips), and none of another
page's modules is fetched. Then a reader moving to another page fetches that page's modules."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.bookings.helpers import book, bookable_departure

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JS = "/static/frontend/js/"


def _modules(urls: list[str]) -> set[str]:
    """The app's modules among requested URLs, by file name (the texts apart)."""
    names = {url.split(JS, 1)[1].split("?")[0] for url in urls if JS in url}
    return {name for name in names if not name.startswith("texts-")}


def _open(page: Any, path: str) -> tuple[set[str], set[str]]:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(path)
    page.get_by_role("heading", level=1).first.wait_for()
    page.wait_for_load_state("networkidle")
    preloaded = page.eval_on_selector_all(
        'link[rel="modulepreload"]', "links => links.map(link => link.href)"
    )
    return _modules(requested), _modules(preloaded)


def test_each_route_loads_what_its_shell_preloaded(page: Any) -> None:
    departure = bookable_departure(capacity=30, days=20)
    created = book(APIClient(), departure, participants=4).json()
    slug = departure.itinerary.slug
    booking = f"/bookings/{created['reference']}?token={created['token']}"
    expected = {
        "/": ("catalogue.js", {"bookingpage.js", "guide.js", "bookingform.js"}),
        f"/itineraries/{slug}": ("bookingform.js", {"bookingpage.js", "guide.js"}),
        booking: ("participants.js", {"guide.js", "catalogue.js", "publicmap.js"}),
        "/map/": ("publicmap.js", {"bookingpage.js", "bookingform.js"}),
        "/bookings/find": ("links.js", {"bookingpage.js", "catalogue.js"}),
    }
    for path, (own, foreign) in expected.items():
        loaded, preloaded = _open(page, path)
        # main.js is the page's script; every other module it needed was announced.
        assert loaded - {"main.js"} <= preloaded, (path, loaded - preloaded)
        assert own in loaded, path
        assert not loaded & foreign, (path, loaded & foreign)
    assert not [p for p in page.problems if "status of 4" not in p]


def test_a_page_opened_from_another_fetches_its_own_modules(page: Any) -> None:
    departure = bookable_departure(
        capacity=30, days=20, title_fr="Base 11/19 et terrils", title_en="Base 11/19 and heaps"
    )
    requested: list[str] = []
    page.goto("/")
    page.on("request", lambda request: requested.append(request.url))
    page.get_by_role("link", name="Base 11/19 et terrils").first.click()
    page.get_by_role("heading", level=1, name="Base 11/19 et terrils").wait_for()
    assert {"itinerary.js", "bookingform.js"} <= _modules(requested)
    # And in English, after the switch, the same page is drawn with the English texts.
    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", level=1, name="Base 11/19 and heaps").wait_for()
    assert departure.itinerary.slug in page.url
    assert not [p for p in page.problems if "status of 4" not in p]
