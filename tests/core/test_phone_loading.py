"""What Lighthouse found slow on a phone, checked without Lighthouse (issue 20, item 5; the scores
themselves come from ``make lighthouse``, see docs/performance.md).

The shell blocks no paint on a stylesheet or script, names every ES module up front, gzips what is
the same for every reader and nothing else, and hashed static files are cached for a year.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from frontend.views import MODULES_DIR
from tests.bookings.helpers import book, bookable_departure

ROOT = Path(__file__).resolve().parents[2]
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


class Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.metas: list[dict[str, str | None]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append(dict(attrs))
        elif tag == "script":
            self.scripts.append(dict(attrs))
        elif tag == "meta":
            self.metas.append(dict(attrs))
        elif tag == "style":
            self._in_style = True
            self.styles.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data


def shell(client: Client) -> tuple[Head, dict[str, str]]:
    response = client.get("/itineraries/base-11-19")
    assert response.status_code == 200
    head = Head()
    head.feed(response.content.decode())
    parts = (part.partition(" ") for part in response["Content-Security-Policy"].split("; "))
    return head, {name: value for name, _space, value in parts}


@pytest.mark.django_db
def test_the_shell_has_no_render_blocking_stylesheet_or_script(client: Client) -> None:
    head, policy = shell(client)
    stylesheets = [link for link in head.links if link.get("rel") == "stylesheet"]
    assert stylesheets == []
    # A classic <script> without defer or async stops the parser; modules are deferred.
    blocking = [
        s
        for s in head.scripts
        if s.get("type") != "module" and "defer" not in s and "async" not in s
    ]
    assert blocking == []
    # The styles are inline, allowed by their hash, and 'unsafe-inline' is not used.
    assert len(head.styles) == 1
    css = head.styles[0]
    assert ".site-header" in css
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy["style-src"].split()
    assert "'unsafe-inline'" not in policy["style-src"]
    assert (MODULES_DIR.parent / "app.css").read_text() == css


def _preloaded(head: Head) -> set[str]:
    return {str(link["href"]) for link in head.links if link.get("rel") == "modulepreload"}


@pytest.mark.django_db
def test_the_shell_preloads_the_modules_of_its_route(client: Client) -> None:
    """The itinerary page's shell names main.js's modules, the itinerary page's own modules
    and what they import (the booking and quote forms, the route map), and the French texts;
    not the other pages (the booking page, the guide's, the quote's), loaded when opened."""
    head, _policy = shell(client)
    js = "/static/frontend/js/"
    preloaded = _preloaded(head)
    shared = {f"{js}{name}" for name in ("api.js", "dom.js", "i18n.js", "tokens.js")}
    itinerary = {f"{js}{name}" for name in ("itinerary.js", "bookingform.js", "quoteform.js")}
    assert shared | itinerary | {f"{js}texts-fr.js", f"{js}map.js", f"{js}format.js"} <= preloaded
    for other in ("bookingpage.js", "guide.js", "quotepage.js", "catalogue.js", "texts-en.js"):
        assert f"{js}{other}" not in preloaded
    (texts,) = [m for m in head.metas if m.get("name") == "va-texts"]
    assert (texts["data-fr"], texts["data-en"]) == (f"{js}texts-fr.js", f"{js}texts-en.js")
    # Every page's module is named for main.js to import when its route opens.
    (pages,) = [m for m in head.metas if m.get("name") == "va-pages"]
    assert pages["data-bookingpage"] == f"{js}bookingpage.js"
    assert pages["data-itinerary"] == f"{js}itinerary.js"
    assert [s.get("src") for s in head.scripts] == [f"{js}main.js"]


@pytest.mark.django_db
def test_each_route_preloads_its_own_page(client: Client) -> None:
    """The routes are told apart on the server (frontend/urls.py names each one's page): a
    guide's page does not download the booking form, nor the catalogue the guide's check-in."""
    js = "/static/frontend/js/"
    for path, own, foreign in (
        ("/", "catalogue.js", "bookingform.js"),
        ("/guide/", "checkin.js", "bookingform.js"),
        ("/bookings/VA-ABCDEF", "participants.js", "guide.js"),
        ("/map/", "publicmap.js", "checkin.js"),
    ):
        head = Head()
        head.feed(client.get(path).content.decode())
        preloaded = _preloaded(head)
        assert f"{js}{own}" in preloaded, path
        assert f"{js}{foreign}" not in preloaded, path


@pytest.mark.django_db
def test_public_answers_are_gzipped_and_a_groups_booking_is_not() -> None:
    api = APIClient()
    departure = bookable_departure(capacity=30, days=5)
    created = book(api, departure, participants=4).json()

    page = api.get("/", **GZIP)
    assert page["Content-Encoding"] == "gzip"
    assert b"<main" in gzip.decompress(page.content)
    catalogue = api.get("/api/v1/itineraries/", **GZIP)
    assert catalogue["Cache-Control"].startswith("public")
    assert catalogue["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(catalogue.content))["results"]
    # The booking's answer carries secrets (its links) and the reader's own text: never
    # compressed (BREACH).
    mine = api.get(
        f"/api/v1/bookings/{created['reference']}/", HTTP_X_BOOKING_TOKEN=created["token"], **GZIP
    )
    assert mine.status_code == 200
    assert len(mine.content) > 200
    assert not mine.has_header("Content-Encoding")
    assert mine.json()["reference"] == created["reference"]


READ_HEADERS = """
import django, json, sys
django.setup()
from django.test import Client
manifest = json.load(open(sys.argv[1]))["paths"]
client = Client()
hashed = client.get("/static/" + manifest["frontend/js/main.js"], HTTP_ACCEPT_ENCODING="gzip")
plain = client.get("/static/frontend/js/main.js", HTTP_ACCEPT_ENCODING="gzip")
print(json.dumps({
    "hashed": [hashed.status_code, hashed["Cache-Control"], hashed.get("Content-Encoding")],
    "plain": [plain.status_code, plain["Cache-Control"]],
}))
"""


def test_hashed_static_files_are_cached_for_a_year_in_production(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", READ_HEADERS, str(tmp_path / "static" / "staticfiles.json")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    answers = json.loads(out.stdout.strip().splitlines()[-1])
    status, cache_control, encoding = answers["hashed"]
    assert status == 200
    assert "max-age=315360000" in cache_control
    assert "immutable" in cache_control
    assert encoding == "gzip"
    # The unhashed name may change meaning with a release: a short cache only.
    status, cache_control = answers["plain"]
    assert status == 200
    assert "immutable" not in cache_control
