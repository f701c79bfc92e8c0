"""The availability calendar shows closed days with their reason, in the reader's language."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from itineraries.models import Closure
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import (  # noqa: F401  (departure is a fixture)
    departure,
    months_ahead,
    to_departure_month,
    unexpected,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_closed_day_reads_as_closed_in_both_languages(page: Any, departure: Any) -> None:  # noqa: F811
    closed = timezone.localdate(departure.starts_at) + timedelta(days=1)
    Closure.objects.create(
        starts_on=closed, ends_on=closed, reason_fr="Bureau fermé", reason_en="Office closed"
    )
    page.goto(f"/itineraries/{departure.itinerary.slug}")
    page.get_by_role("heading", level=1, name=re.compile("Base 11")).wait_for()
    to_departure_month(page, departure)
    cell = page.locator(".day.closed")
    assert cell.count() == 1
    assert cell.locator(".num").inner_text() == str(closed.day)
    assert "Bureau fermé" in cell.inner_text()
    assert cell.locator("button").count() == 0
    legend = page.locator(".closures li")
    assert legend.count() == 1
    assert re.search(r"\d+ décembre|\d+ janvier|\d+ \w+ \d{4}", legend.inner_text())
    assert legend.inner_text().endswith("Bureau fermé")
    shoot(page, "closed-day-fr")

    page.get_by_role("button", name="Switch to English").click()
    page.get_by_role("heading", level=1, name=re.compile("twin slag heaps")).wait_for()
    page.locator(".month .day").first.wait_for()
    for _ in range(months_ahead(departure)):
        before = page.locator(".month-title").inner_text()
        page.get_by_role("button", name="Next month").click()
        expect(page.locator(".month-title")).not_to_have_text(before)
    expect(page.locator(".day.closed")).to_contain_text("Office closed")
    expect(page.locator(".closures li")).to_have_text(
        re.compile(r"^\w+, \d+ \w+ \d{4}: Office closed$")
    )
    shoot(page, "closed-day-en")
    assert unexpected(page.problems) == []
