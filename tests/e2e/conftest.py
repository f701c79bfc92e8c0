"""Browser tests: Debian's headless Chromium driven by Playwright against the live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Playwright runs its own event loop in this thread; the ORM calls the tests make between
# browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _no_tile_server(settings: Any) -> None:
    """Browser tests reach no server beyond loopback: the map pages get no tile URL, and show
    the project's own drawing (tests/e2e/test_public_map.py sets one and blocks it)."""
    settings.MAP_TILE_URL = ""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_E2E_TESTS"):
            pytest.fail("REQUIRE_E2E_TESTS is set but Debian's chromium is not installed")
        pytest.skip("browser tests need Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh page whose console errors and failed requests fail the test."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.problems = problems  # expected HTTP errors (4xx answers) are filtered by the tests
    yield page
    # Let the page's last API calls finish: the live server must not be inside a query when the
    # test database is flushed (on PostgreSQL that flush would wait for it, or deadlock).
    page.wait_for_load_state("networkidle")
    context.close()


def shoot(page: Any, name: str) -> None:
    """Screenshots at desktop and phone widths, kept under var/screenshots/ to be looked at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in (("desktop", 1280), ("phone", 360)):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
