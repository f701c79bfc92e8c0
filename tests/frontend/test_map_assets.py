"""The map's Leaflet: pinned by package-lock.json, its dist files vendored byte for byte (the
production image has no npm), served as static files; the shell's CSP admits the tile server."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings

from frontend.views import shell_csp, tile_origin

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "frontend" / "static" / "frontend" / "vendor" / "leaflet"
DIST = ROOT / "node_modules" / "leaflet" / "dist"
FILES = [
    "leaflet.js",
    "leaflet.js.map",
    "leaflet.css",
    *(f"images/{p.name}" for p in sorted((VENDOR / "images").glob("*.png"))),
]


def test_the_lock_pins_the_vendored_leaflet_version() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/leaflet"]["version"]
    assert json.loads((ROOT / "package.json").read_text())["dependencies"]["leaflet"] == pinned
    assert f't.version="{pinned}"' in (VENDOR / "leaflet.js").read_text()
    assert (
        "BSD" in (VENDOR / "LICENSE").read_text()
        or "Redistribution" in (VENDOR / "LICENSE").read_text()
    )


def test_vendored_files_are_the_installed_package_byte_for_byte() -> None:
    if not DIST.exists():
        if os.environ.get("REQUIRE_E2E_TESTS"):
            pytest.fail("node_modules/leaflet is missing: run `npm ci`")
        pytest.skip("node_modules/leaflet is not installed (npm ci)")
    differing = [
        name for name in FILES if (VENDOR / name).read_bytes() != (DIST / name).read_bytes()
    ]
    assert differing == [], "run `make vendor-leaflet`"
    assert len(FILES) >= 5


def test_leaflet_is_found_by_the_static_files_finders() -> None:
    assert finders.find("frontend/vendor/leaflet/leaflet.js")
    assert finders.find("frontend/vendor/leaflet/leaflet.css")


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.org/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
        ("", ""),
        ("javascript:alert(1)", ""),
        ("/tiles/{z}/{x}/{y}.png", ""),
    ],
)
def test_tile_origin(url: str, origin: str) -> None:
    assert tile_origin(url) == origin


@pytest.mark.django_db
def test_the_map_page_carries_the_tile_settings_and_its_csp(client: Any) -> None:
    with override_settings(
        MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
        MAP_TILE_ATTRIBUTION="&copy; Example",
    ):
        response = client.get("/map/")
        assert (
            "img-src 'self' data: https://tiles.example.org;" in response["Content-Security-Policy"]
        )
        assert shell_csp() == response["Content-Security-Policy"]
    html = response.content.decode()
    assert 'data-tiles="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="&amp;copy; Example"' in html
    assert "vendor/leaflet/leaflet.js" in html
    with override_settings(MAP_TILE_URL=""):
        off = client.get("/map/")
    assert "img-src 'self' data:;" in off["Content-Security-Policy"]
    assert 'data-tiles=""' in off.content.decode()
