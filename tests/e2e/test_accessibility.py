"""axe-core, run inside each page, finds no serious or critical accessibility violation."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def axe_page(browser: Any, live_server: Any) -> Any:
    if not AXE.exists():
        if os.environ.get("REQUIRE_E2E_TESTS"):
            pytest.fail("axe-core is not installed: run `npm ci`")
        pytest.skip("axe-core is not installed (npm ci)")
    # The page's CSP forbids injected scripts, as it should: the audit context lifts it.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    yield page
    page.wait_for_load_state("networkidle")
    context.close()


def audit(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_passes_axe(axe_page: Any) -> None:
    departure = bookable_departure(capacity=30, days=5)
    created = book(CommittingAPIClient(), departure, participants=4).json()
    pages = [
        "/",
        f"/itineraries/{departure.itinerary.slug}",
        f"/bookings/{created['reference']}?token={created['token']}",
        "/guide/",
        # The server-rendered legal pages (legal app), in both languages.
        "/mentions-legales/",
        "/en/terms-of-sale/",
        "/confidentialite/",
        "/en/accessibility/",
        "/questions-frequentes/",
        "/contact/",
        "/en/contact/",
    ]
    for path in pages:
        axe_page.goto(path)
        axe_page.get_by_role("heading", level=1).first.wait_for()
        axe_page.wait_for_load_state("networkidle")
        assert audit(axe_page) == [], path
