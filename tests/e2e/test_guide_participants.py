"""The guide assigned to a departure sees its groups' named participants and their needs on the
guide page (issue 18, first slice)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect
from rest_framework.test import APIClient

from tests.bookings.helpers import book, bookable_departure
from tests.e2e.conftest import shoot
from tests.guides.helpers import assign, make_guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_assigned_guide_sees_names_and_needs(page: Any) -> None:
    guide = make_guide(display_name="Camille")
    guide.user.username = "camille"
    guide.user.password = make_password("a long pass phrase 42")
    guide.user.save()
    departure = bookable_departure(capacity=30, days=20)
    assign(departure, guide)
    client = APIClient()
    group = book(client, departure, participants=3).json()
    put = client.put(
        f"/api/v1/bookings/{group['reference']}/participants/",
        {
            "participants": [
                {"name": "Léa", "category": "pupil", "needs": {"reduced_mobility": True}},
                {"name": "M. Dupont", "category": "accompanying_staff", "needs": {}},
            ]
        },
        format="json",
        HTTP_X_BOOKING_TOKEN=group["token"],
    )
    assert put.status_code == 200, put.content

    page.goto("/guide/")
    page.get_by_role("link", name="Se connecter").click()
    page.get_by_label("Identifiant").fill("camille")
    page.get_by_label("Mot de passe").fill("a long pass phrase 42")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", level=1, name="Mes visites").wait_for()
    named = page.locator(".visits ul.named li")
    expect(named).to_have_count(2)
    expect(named.first).to_contain_text("Léa")
    expect(named.first).to_contain_text("Mobilité réduite")
    expect(named.nth(1)).to_contain_text("Accompagnateur")
    shoot(page, "guide-participants")
    assert [p for p in page.problems if "403" not in p] == []
