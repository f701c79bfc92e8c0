"""The guide checks the calendar page (issue 14 item 11): the feed link is shown as it is, a new
link only after confirming; three months of visits with groups, head counts and phones. Phone
and desktop, French and English."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from playwright.sync_api import expect

from guides import services
from guides.models import Guide
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import CommittingAPIClient
from tests.e2e.conftest import shoot
from tests.factories import StaffFactory
from tests.guides.helpers import assign, make_guide

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/?next=/guide/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill("a long pass phrase 42")
    page.locator("button[type=submit]").click()
    page.locator("h1").wait_for()


def _guide_with_a_visit() -> tuple[Guide, str]:
    guide = make_guide(display_name="Camille")
    guide.user.username = "camille"
    guide.user.password = make_password("a long pass phrase 42")
    guide.user.save()
    departure = bookable_departure(
        capacity=30, days=70, title_fr="Base 11/19", title_en="Base 11/19"
    )
    assign(departure, guide)
    staff = CommittingAPIClient()
    staff.force_authenticate(StaffFactory(username="office"))
    confirmed = book(staff, departure, participants=12, options=[]).json()
    staff.post(f"/api/v1/bookings/{confirmed['reference']}/confirm/")
    book(staff, departure, participants=5, options=[])  # a request, not confirmed
    token = services.feed_token_rotate(guide=guide)
    return guide, token


def test_the_guide_sees_the_link_without_changing_it_and_confirms_a_new_one(page: Any) -> None:
    guide, token = _guide_with_a_visit()
    _sign_in(page, "camille")
    page.get_by_role("heading", level=1, name="Mes visites").wait_for()
    visit = page.locator(".visits > li").first
    # A visit 70 days ahead: within the three months shown.
    expect(visit).to_contain_text("Base 11/19")
    expect(visit).to_contain_text("12 participants confirmés")
    expect(visit).to_contain_text("5 en demande (non confirmés)")
    expect(visit).to_contain_text("Rendez-vous : Base 11/19")
    expect(visit.locator("a[href^='tel:']")).to_have_count(2)
    expect(page.locator("#feed-url")).to_have_value(
        f"http://127.0.0.1:8000/calendar/guides/{token}.ics"
    )
    page.reload()
    expect(page.locator("#feed-url")).to_have_value(
        f"http://127.0.0.1:8000/calendar/guides/{token}.ics"
    )
    stored = Guide.objects.get(pk=guide.pk).feed_token_hash
    shoot(page, "guide-calendar-fr")
    # Asking for a new link asks first; keeping it changes nothing.
    page.get_by_role("button", name="Changer de lien").click()
    expect(page.locator("#feed-confirm")).to_be_visible()
    page.get_by_role("button", name="Non, garder mon lien").click()
    expect(page.locator("#feed-confirm")).to_be_hidden()
    assert Guide.objects.get(pk=guide.pk).feed_token_hash == stored
    page.get_by_role("button", name="Changer de lien").click()
    page.get_by_role("button", name="Oui, créer un nouveau lien").click()
    expect(page.locator("#feed-url")).not_to_have_value(
        f"http://127.0.0.1:8000/calendar/guides/{token}.ics"
    )
    assert Guide.objects.get(pk=guide.pk).feed_token_hash != stored
    assert page.request.get(f"/calendar/guides/{token}.ics").status == 404
    assert [p for p in page.problems if "403" not in p] == []


def test_the_guide_page_in_english_on_a_phone(browser: Any, live_server: Any) -> None:
    _guide, token = _guide_with_a_visit()
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.add_init_script("localStorage.setItem('va-lang', 'en')")
    _sign_in(page, "camille")
    page.get_by_role("heading", level=1, name="My visits").wait_for()
    visit = page.locator(".visits > li").first
    expect(visit).to_contain_text("12 participants confirmed")
    expect(visit).to_contain_text("5 requested (not confirmed)")
    expect(visit).to_contain_text("request, not confirmed")
    expect(page.locator("#feed-url")).to_have_value(
        f"http://127.0.0.1:8000/calendar/guides/{token}.ics"
    )
    shoot(page, "guide-calendar-en")
    context.close()
