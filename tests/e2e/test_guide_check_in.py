"""The guide checks people in on the phone (issue 18, item 5): today's visit shows its groups,
the guide ticks who came, loses the signal (the browser's offline mode), ticks more and counts
a group without names, comes back online, and the server has every tick once. Wrong input (a
count over the group) is refused on the page. French and English, phone and desktop widths."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from playwright.sync_api import expect

from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import SCREENSHOTS
from tests.guides.helpers import assign, make_guide
from visits.checkins import attendance
from visits.models import CheckIn

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def today() -> dict[str, Any]:
    guide = make_guide(display_name="Camille")
    guide.user.username = "camille"
    guide.user.password = make_password("a long pass phrase 42")
    guide.user.save()
    departure = bookable_departure(capacity=30, days=10)
    assign(departure, guide)
    client = CommittingAPIClient()
    named = book(client, departure, participants=3).json()
    counted = book(client, departure, participants=12).json()
    client.put(
        f"/api/v1/bookings/{named['reference']}/participants/",
        {
            "participants": [
                {"name": "Léa", "category": "pupil", "needs": {"reduced_mobility": True}},
                {"name": "Hugo", "category": "pupil"},
                {"name": "Mme Roux", "category": "accompanying_staff"},
            ]
        },
        format="json",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )
    # The visit began a moment ago, today (Paris time).
    local = timezone.localtime()
    starts = local.replace(hour=0, minute=1) if local.hour == 0 else local - timedelta(hours=1)
    length = departure.ends_at - departure.starts_at
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)
    return {"departure": Departure.objects.get(pk=departure.pk), "counted": counted["reference"]}


def _sign_in(page: Any, lang: str) -> None:
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    page.goto("/accounts/login/?next=/guide/")
    page.locator("#id_username").fill("camille")
    page.locator("#id_password").fill("a long pass phrase 42")
    page.locator("form [type=submit]").click()
    page.locator(".checkin").wait_for()


@pytest.mark.parametrize("width", [390, 1280])
def test_ticks_made_offline_reach_the_server_once_back_online(
    page: Any, today: dict[str, Any], width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, "fr")
    panel = page.locator(".checkin")
    expect(panel.get_by_role("heading", name="Pointage")).to_be_visible()
    expect(panel.locator(".checkin-total")).to_have_text("0 présents sur 15")
    panel.get_by_label("Léa").check()
    expect(panel.locator(".checkin-status")).to_have_text("Pointage enregistré.")
    panel.get_by_label("Hugo").check()
    expect(panel.locator(".checkin-total")).to_have_text("2 présents sur 15")

    # The signal drops on the slag heap.
    page.context.set_offline(True)
    panel.get_by_label("Mme Roux").check()
    count = panel.get_by_label("combien sont venus", exact=False)
    count.fill("99")  # wrong: the group is 12
    count.dispatch_event("change")
    expect(panel.locator(".checkin-status")).to_have_text("Indiquez un nombre entre 0 et 12.")
    count.fill("9")
    count.dispatch_event("change")
    expect(panel.locator(".checkin-status")).to_contain_text("Hors ligne : 2 pointage(s)")
    assert CheckIn.objects.count() == 2
    page.set_viewport_size({"width": width, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / f"guide-check-in-offline-{width}.png"), full_page=True)

    page.context.set_offline(False)  # back online: the queue goes by itself
    expect(panel.locator(".checkin-status")).to_have_text("Pointage enregistré.")
    expect(panel.locator(".checkin-total")).to_have_text("12 présents sur 15")
    assert CheckIn.objects.count() == 4
    seen = attendance(today["departure"])
    assert sum(group["attended"] for group in seen.values()) == 12
    assert seen[today["counted"]]["counted"] == 9
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('va-checkins-'))") == []
    )
    # The page opened again shows what the server holds.
    page.reload()
    page.locator(".checkin").wait_for()
    expect(page.get_by_label("Hugo")).to_be_checked()
    page.screenshot(path=str(SCREENSHOTS / f"guide-check-in-{width}.png"), full_page=True)
    assert [p for p in page.problems if "Failed to fetch" not in p] == []


def test_the_check_in_speaks_english(page: Any, today: dict[str, Any]) -> None:
    _sign_in(page, "en")
    panel = page.locator(".checkin")
    expect(panel.get_by_role("heading", name="Check-in")).to_be_visible()
    panel.get_by_label("Léa").check()
    expect(panel.locator(".checkin-status")).to_have_text("Check-in saved.")
    expect(panel.locator(".checkin-total")).to_have_text("1 present of 15")
    expect(panel.get_by_label("how many came", exact=False)).to_be_visible()


@pytest.mark.parametrize(("lang", "width"), [("fr", 390), ("en", 390), ("fr", 1280)])
def test_the_guide_adds_walk_ins_up_to_the_seats_left(
    page: Any, today: dict[str, Any], lang: str, width: int
) -> None:
    """Capacity 30, 15 booked: 15 seats left for the walk-ins of both groups together."""
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, lang)
    panel = page.locator(".checkin")
    fr = lang == "fr"
    label = "sans inscription (venus sans être sur la liste)" if fr else "walk-ins (came without"
    counted, named = panel.get_by_label(label, exact=False).all()[::-1]
    room = panel.locator(".checkin-room")
    expect(room).to_have_text(
        "Places restantes pour les sans inscription : 15" if fr else "Seats left for walk-ins: 15"
    )
    named.fill("16")  # wrong: one more than the seats left
    named.dispatch_event("change")
    expect(panel.locator(".checkin-status")).to_contain_text(
        "entre 0 et 15 : la visite a 15 places" if fr else "from 0 to 15: the visit has 15 seats"
    )
    named.fill("2")
    named.dispatch_event("change")
    expect(room).to_have_text(
        "Places restantes pour les sans inscription : 13" if fr else "Seats left for walk-ins: 13"
    )
    expect(panel.locator(".checkin-status")).to_have_text(
        "Pointage enregistré." if fr else "Check-in saved."
    )
    expect(panel.locator(".checkin-total")).to_have_text(
        "2 présents sur 15" if fr else "2 present of 15"
    )
    counted.fill("14")  # 2 already with the other group: 13 at most
    counted.dispatch_event("change")
    expect(panel.locator(".checkin-status")).to_contain_text("0" + (" et 13" if fr else " to 13"))
    page.screenshot(path=str(SCREENSHOTS / f"guide-walk-ins-{lang}-{width}.png"), full_page=True)
    assert CheckIn.objects.filter(walk_ins__isnull=False).count() == 1

    # Staff lower the capacity meanwhile: the page still offers 13, the server refuses.
    Departure.objects.filter(pk=today["departure"].pk).update(capacity=20)
    counted.fill("10")
    counted.dispatch_event("change")
    expect(panel.locator(".checkin-status")).to_contain_text(
        "Pointage refusé : Il ne reste que 5 places" if fr else "Check-in refused: Only 5 seats"
    )
    seen = attendance(today["departure"])
    assert sum(group["walk_ins"] for group in seen.values()) == 2
    # The page opened again shows the walk-ins the server holds.
    page.reload()
    page.locator(".checkin").wait_for()
    expect(page.locator(".checkin").get_by_label(label, exact=False).first).to_have_value("2")
    assert [p for p in page.problems if "status of 400" not in p] == []  # the refusal above
