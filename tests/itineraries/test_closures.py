"""Closed days: public holidays and closures staff enter are never offered nor scheduled."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import holidays
import pytest
from django.contrib.admin.sites import site as admin_site
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone

from bookings.api import BookingInputSerializer  # noqa: F401  (the app's API is loaded)
from itineraries.admin import ClosureAdmin
from itineraries.management.commands.load_demo import schedule_season
from itineraries.models import Closure, Departure, Site
from itineraries.services import CLOSED_DAY
from tests.bookings.helpers import bookable_departure, booking_body
from tests.conftest import assert_problem
from tests.factories import SiteFactory, StaffFactory
from tests.invoicing.helpers import confirmed_booking, issue, settle_deposit_invoices

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_holidays(settings: Any) -> None:
    settings.CLOSED_ON_PUBLIC_HOLIDAYS = True


def _next_holiday(after_days: int = 5) -> tuple[date, str]:
    """The first French public holiday at least ``after_days`` from today, with its French name."""
    today = timezone.localdate()
    calendar = holidays.country_holidays("FR", years=[today.year, today.year + 1], language="fr")
    return min((d, n) for d, n in calendar.items() if d >= today + timedelta(days=after_days))


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _post_departure(staff_api: Any, itinerary: str, starts_at: datetime) -> Any:
    return staff_api.post(
        "/api/v1/departures/",
        {"itinerary": itinerary, "language": "fr", "starts_at": starts_at.isoformat()},
        format="json",
    )


def _availability(api: Any, slug: str, first: date, last: date, **headers: Any) -> dict[str, Any]:
    response = api.get(
        f"/api/v1/itineraries/{slug}/availability/?from={first}&to={last}&participants=12",
        **headers,
    )
    assert response.status_code == 200, response.content
    return {day["date"]: day for day in response.json()["days"]}


def test_a_departure_on_a_public_holiday_is_refused_with_its_name(
    staff_api: Any, public_holidays: None
) -> None:
    departure = bookable_departure(days=3)
    holiday, name = _next_holiday()
    response = _post_departure(staff_api, "base-11-19", _at(holiday))
    body = assert_problem(response, 409, CLOSED_DAY, "starts_at")
    assert name in body["detail"]
    assert body["closed_on"] == holiday.isoformat()
    assert list(Departure.objects.all()) == [departure]


def test_public_holidays_can_be_opened_by_setting(staff_api: Any, settings: Any) -> None:
    settings.CLOSED_ON_PUBLIC_HOLIDAYS = False
    bookable_departure(days=3)
    holiday, _name = _next_holiday()
    assert _post_departure(staff_api, "base-11-19", _at(holiday)).status_code == 201


def test_an_office_closure_is_shown_and_never_offered_for_a_private_date(api: Any) -> None:
    departure = bookable_departure(days=40, private_start_times=["09:00"])
    from tests.guides.helpers import make_guide

    make_guide(languages=["fr"])
    closed = timezone.localtime(departure.starts_at).date() + timedelta(days=1)
    Closure.objects.create(
        starts_on=closed, ends_on=closed, reason_fr="Bureau fermé", reason_en="Office closed"
    )
    days = _availability(api, "base-11-19", closed - timedelta(days=1), closed)
    assert days[closed.isoformat()]["closed"] == "Bureau fermé"
    assert days[closed.isoformat()]["private_start_times"] == []
    before = days[(closed - timedelta(days=1)).isoformat()]
    assert before["closed"] is None
    assert len(before["private_start_times"]) == 1
    english = _availability(api, "base-11-19", closed, closed, HTTP_ACCEPT_LANGUAGE="en")
    assert english[closed.isoformat()]["closed"] == "Office closed"

    request = booking_body(itinerary="base-11-19", starts_at=_at(closed, 9).isoformat())
    response = api.post("/api/v1/bookings/", request, format="json")
    assert_problem(response, 409, CLOSED_DAY, "starts_at")
    assert Departure.objects.count() == 1


def test_a_site_closure_closes_only_the_itineraries_visiting_that_site(staff_api: Any) -> None:
    bookable_departure(days=3)
    elsewhere = Site.objects.get(pk=SiteFactory(slug="ferme-du-major").pk)
    day = timezone.localdate() + timedelta(days=20)
    Closure.objects.create(site=elsewhere, starts_on=day, ends_on=day, reason="Travaux")
    assert _post_departure(staff_api, "base-11-19", _at(day)).status_code == 201
    own_site = Departure.objects.first().itinerary.stops.first().site
    Closure.objects.create(
        site=own_site,
        starts_on=day + timedelta(days=1),
        ends_on=day + timedelta(days=3),
        reason="Travaux",
    )
    response = _post_departure(staff_api, "base-11-19", _at(day + timedelta(days=2)))
    assert_problem(response, 409, CLOSED_DAY, "starts_at")


def test_the_season_skips_closed_days(public_holidays: None) -> None:
    departure = bookable_departure(days=3)
    holiday, _name = _next_holiday()
    itinerary = departure.itinerary
    from itineraries import demo

    skipped: list[str] = []
    original = demo.SEASON
    demo.SEASON = [(itinerary.slug, holiday.weekday(), "10:00", "fr", 1)]
    try:
        created = schedule_season(
            lambda weekday, every: [holiday - timedelta(days=7), holiday], on_skip=skipped.append
        )
    finally:
        demo.SEASON = original
    assert created == 1
    assert len(skipped) == 1 and holiday.isoformat() in skipped[0]
    days = {timezone.localdate(d.starts_at) for d in Departure.objects.filter(itinerary=itinerary)}
    assert holiday not in days


def test_a_deposit_invoice_falls_due_before_the_visit(staff_api: Any) -> None:
    booking = confirmed_booking(itinerary={"days": 10})
    body = issue(staff_api, booking, "deposit").json()
    visit = timezone.localdate(booking.departure.starts_at)
    assert body["due_date"] == (visit - timedelta(days=1)).isoformat()
    settle_deposit_invoices(booking)
    final = issue(staff_api, booking, "final").json()
    assert final["due_date"] == (timezone.localdate() + timedelta(days=30)).isoformat()


def test_the_admin_lists_departures_already_on_a_new_closure() -> None:
    departure = bookable_departure(days=12)
    day = timezone.localdate(departure.starts_at)
    request = RequestFactory().post("/admin/itineraries/closure/add/")
    request.user = User.objects.get(pk=StaffFactory().pk)
    messages: list[str] = []
    admin = ClosureAdmin(Closure, admin_site)
    admin.message_user = lambda _request, message, **kwargs: messages.append(str(message))  # type: ignore[method-assign]
    closure = Closure(starts_on=day, ends_on=day, reason="Fermé")
    admin.save_model(request, closure, form=None, change=False)
    assert len(messages) == 1 and str(departure) in messages[0]
