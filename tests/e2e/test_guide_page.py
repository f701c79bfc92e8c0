"""The guide's page in a real browser: sign in, see the next visits, get the feed URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect

from tests.e2e.conftest import shoot
from tests.guides.helpers import assign, at, departure_at, make_guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_guide_signs_in_sees_the_visits_and_gets_the_feed_url(page: Any) -> None:
    guide = make_guide(display_name="Camille")
    guide.user.username = "camille"
    guide.user.password = make_password("a long pass phrase 42")
    guide.user.save()
    assign(departure_at(at(3, 10), title_fr="Base 11/19 et terrils jumeaux"), guide)

    page.goto("/guide/")
    page.get_by_role("link", name="Se connecter").click()
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill("a long pass phrase 42")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", level=1, name="Mes visites").wait_for()
    expect(page.locator(".visits")).to_contain_text("Base 11/19 et terrils jumeaux")
    page.get_by_role("button", name="Créer mon lien d'abonnement").click()
    feed = page.locator("#feed-url")
    feed.wait_for()
    url = feed.input_value()
    assert url.startswith("http") and url.endswith(".ics")
    assert page.locator("a[href^='webcal://']").count() == 1
    shoot(page, "guide")
    # The URL is built on SITE_URL; the test server answers the same path.
    calendar = page.request.get(urlsplit(url).path)
    assert calendar.status == 200
    assert b"Base 11/19 et terrils jumeaux" in calendar.body()
    # Signing out is one visible button; the page then asks to sign in again.
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("link", name="Se connecter").wait_for()
    assert page.request.get("/api/v1/guides/me/schedule/").status == 403
    # Only the expected 403s of the schedule asked while signed out.
    assert [p for p in page.problems if "403" not in p] == []
