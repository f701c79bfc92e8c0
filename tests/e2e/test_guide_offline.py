"""The guide's day offline (issue 18, item 5; docs/visits.md): the guide opens today's
manifest, loses the signal (the browser's offline mode), opens the page again from the phone's
copy (the service worker's shell, the day kept by the page), checks ten people in, comes back
online, and the server has ten attendances. Signing out deletes the kept day; the worker
controls the guide page only."""

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

NAMES = ["Léa", "Hugo", "Inès", "Noah", "Jade", "Louis", "Chloé", "Adam", "Emma", "Mme Roux"]


@pytest.fixture
def today() -> Departure:
    guide = make_guide(display_name="Camille")
    guide.user.username = "camille"
    guide.user.password = make_password("a long pass phrase 42")
    guide.user.save()
    departure = bookable_departure(capacity=30, days=10)
    assign(departure, guide)
    client = CommittingAPIClient()
    group = book(client, departure, participants=12).json()
    people: list[dict[str, Any]] = [{"name": name, "category": "pupil"} for name in NAMES[:-1]]
    people.append({"name": NAMES[-1], "category": "accompanying_staff"})
    people[0]["needs"] = {"reduced_mobility": True}
    answer = client.put(
        f"/api/v1/bookings/{group['reference']}/participants/",
        {"participants": people},
        format="json",
        HTTP_X_BOOKING_TOKEN=group["token"],
    )
    assert answer.status_code == 200, answer.content
    # The visit began a moment ago, today (Paris time).
    local = timezone.localtime()
    starts = local.replace(hour=0, minute=1) if local.hour == 0 else local - timedelta(hours=1)
    length = departure.ends_at - departure.starts_at
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)
    return Departure.objects.get(pk=departure.pk)


def _sign_in(page: Any, lang: str) -> None:
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    page.goto("/accounts/login/?next=/guide/")
    page.locator("#id_username").fill("camille")
    page.locator("#id_password").fill("a long pass phrase 42")
    page.locator("form [type=submit]").click()
    page.locator(".checkin").wait_for()
    # The worker installed (its shell kept) and the day kept by the page.
    page.evaluate("navigator.serviceWorker.ready")
    page.wait_for_function(
        "caches.keys().then(k => k.includes('va-guide-day')"
        " && k.some(n => n.startsWith('va-guide-shell-')))"
    )


@pytest.mark.parametrize(("lang", "width"), [("fr", 390), ("en", 1280)])
def test_the_day_opens_offline_and_ten_check_ins_reach_the_server(
    page: Any, today: Departure, lang: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, lang)
    saved = "Check-in saved." if lang == "en" else "Pointage enregistré."

    page.context.set_offline(True)  # the signal drops on the slag heap
    page.reload()  # the page opened again, from the phone's copy
    panel = page.locator(".checkin")
    panel.wait_for()
    copy = page.locator(".offline-copy")
    expect(copy).to_contain_text("Offline" if lang == "en" else "Hors ligne")
    expect(page.locator(".named")).to_contain_text("Léa")  # the groups, names and needs
    for name in NAMES:
        panel.get_by_label(name).check()
    waiting = "10 tick(s) waiting" if lang == "en" else "Hors ligne : 10 pointage(s)"
    expect(panel.locator(".checkin-status")).to_contain_text(waiting)
    assert CheckIn.objects.count() == 0
    page.screenshot(path=str(SCREENSHOTS / f"guide-offline-{lang}-{width}.png"), full_page=True)

    # Opened once more while still offline: the queued ticks show as ticked.
    page.reload()
    page.locator(".checkin").wait_for()
    for name in NAMES:
        expect(page.get_by_label(name)).to_be_checked()

    page.context.set_offline(False)  # back online: the queue goes by itself
    expect(page.locator(".checkin-status")).to_have_text(saved)
    seen = attendance(today)
    assert sum(group["attended"] for group in seen.values()) == 10
    assert CheckIn.objects.filter(present=True).count() == 10
    assert (
        page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('va-checkins-'))") == []
    )

    # Online again, the page is the server's.
    page.reload()
    page.locator(".checkin").wait_for()
    expect(page.locator(".offline-copy")).to_have_count(0)
    expect(page.locator(".checkin-total")).to_contain_text("10")

    # Signing out deletes the kept day: the next reader of the phone finds nothing offline.
    page.locator(".sign-out").click()
    page.get_by_role("link", name="Sign in" if lang == "en" else "Se connecter").wait_for()
    assert page.evaluate("caches.keys()").count("va-guide-day") == 0
    page.context.set_offline(True)
    page.reload()
    expect(page.locator(".alert")).to_be_visible()
    expect(page.locator(".named")).to_have_count(0)
    page.context.set_offline(False)
    expected = ("Failed to fetch", "ERR_INTERNET", "status of 403")  # offline, then signed out
    assert [p for p in page.problems if not any(e in p for e in expected)] == []


def test_the_worker_controls_the_guide_page_only(page: Any, today: Departure) -> None:
    _sign_in(page, "fr")
    page.reload()
    page.locator(".checkin").wait_for()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.goto("/")
    page.locator("#main h1").wait_for()
    assert page.evaluate("navigator.serviceWorker.controller === null")
    # Offline, a page outside the guide's is not answered from any copy.
    page.context.set_offline(True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED"):
        page.goto("/map/")
    page.context.set_offline(False)


def test_the_guide_page_links_the_printable_manifest(page: Any, today: Departure) -> None:
    _sign_in(page, "en")
    link = page.get_by_role("link", name="Printable manifest (PDF)")
    href = link.get_attribute("href")
    assert href == f"/api/v1/departures/{today.pk}/manifest.pdf?lang=en"
    answer = page.request.get(href)  # the guide's session, as the link would
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.body().startswith(b"%PDF")
