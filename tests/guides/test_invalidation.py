"""Every service and admin page that writes the guides' rows invalidates what they feed
(guides.invalidation): the private start times offered, the calendar feeds, the programmes'
guides section. A booking written invalidates the feeds through ``booking_dependents``.

No ``post_save`` receiver stands behind the cache: these tests watch the rows written and the
namespaces bumped, and fail for a writer that does not say what it made stale.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, TestCase

from bookings.invalidation import booking_written
from bookings.models import Booking, BookingStatus
from bookings.programme import SECTIONS_NAMESPACE
from core import cache
from core.admin_display import InvalidatingAdminMixin
from guides import services
from guides.calendar import FEED_NAMESPACE
from guides.invalidation import feed_shows_booking
from guides.models import Assignment, Guide, TimeOff, WeeklyAvailability
from itineraries import services as itinerary_services
from tests.admin_forms import form_data
from tests.cache_watch import Seen, writes_watcher
from tests.factories import UserFactory
from tests.guides.helpers import assign, at, departure_at, make_guide

pytestmark = pytest.mark.django_db

GUIDE_MODELS = (Guide, WeeklyAvailability, TimeOff, Assignment)
WHAT_GUIDES_FEED = ("availability", FEED_NAMESPACE, SECTIONS_NAMESPACE)


class Watch(Seen):
    def check(self, namespaces: tuple[str, ...] = WHAT_GUIDES_FEED) -> None:
        self.require(namespaces, what="guides' row")


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], Watch]:
    return writes_watcher(monkeypatch, GUIDE_MODELS, Watch)


# --- The services ---------------------------------------------------------------------------


def test_making_a_guide_invalidates(watch: Any) -> None:
    user = UserFactory()
    row = {"weekday": 0, "start_time": "08:00", "end_time": "18:00"}
    watch(
        lambda: services.guide_create(
            user=user, display_name="Inès", languages=["fr"], weekly_hours=[row]
        )
    ).check()


def test_time_off_invalidates(watch: Any) -> None:
    guide = make_guide()
    watch(
        lambda: services.time_off_create(guide=guide, starts_at=at(30, 8), ends_at=at(31, 8))
    ).check()


def test_assigning_and_releasing_a_guide_invalidate(watch: Any) -> None:
    guide, departure = make_guide(), departure_at(at(20, 10))
    watch(lambda: assign(departure, guide)).check()
    watch(lambda: services.assignment_delete(departure=departure, guide=guide)).check()


def test_a_departure_moving_with_its_guides_invalidates(watch: Any) -> None:
    departure = departure_at(at(20, 10))
    assign(departure, make_guide())
    watch(
        lambda: itinerary_services.departure_reschedule(
            departure=departure, starts_at=departure.starts_at + timedelta(hours=2)
        )
    ).check()


def test_rotating_a_feed_token_invalidates(watch: Any) -> None:
    guide = make_guide()
    watch(lambda: services.feed_token_rotate(guide=guide)).check((FEED_NAMESPACE,))


def test_a_confirmed_group_and_a_status_change_invalidate_the_feeds() -> None:
    booking = Booking(reference="VA-FEEDS", status=BookingStatus.CONFIRMED)
    assert feed_shows_booking(booking, True) == (FEED_NAMESPACE,)
    assert feed_shows_booking(booking, False) == (FEED_NAMESPACE,)
    booking.status = BookingStatus.REQUESTED
    assert feed_shows_booking(booking, True) == ()  # a new request is in no feed
    bumped: list[str] = []
    real_incr = cache._incr
    cache._incr = bumped.append  # type: ignore[assignment]
    try:
        with TestCase.captureOnCommitCallbacks(execute=True):
            booking_written(booking)
    finally:
        cache._incr = real_incr
    assert FEED_NAMESPACE in bumped


# --- The admin ------------------------------------------------------------------------------


def test_every_guides_admin_says_what_its_writes_make_stale() -> None:
    for model in GUIDE_MODELS:
        model_admin = admin.site._registry.get(model)
        if model_admin is not None:
            assert isinstance(model_admin, InvalidatingAdminMixin), type(model_admin).__name__


@pytest.fixture
def staff_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_changing_weekly_hours_in_the_admin_invalidates(watch: Any, staff_client: Client) -> None:
    guide = make_guide()
    url = f"/admin/guides/guide/{guide.pk}/change/"

    def change() -> None:
        data = form_data(staff_client.get(url))
        data["weekly_hours-0-end_time"] = "12:00:00"
        response = staff_client.post(url, data)
        assert response.status_code == 302, response.content.decode()[:3000]

    watch(change).check()
    assert guide.weekly_hours.filter(end_time="12:00").exists()


def test_deleting_time_off_in_the_admin_invalidates(watch: Any, staff_client: Client) -> None:
    time_off = services.time_off_create(guide=make_guide(), starts_at=at(30, 8), ends_at=at(31, 8))
    data = {"action": "delete_selected", "_selected_action": [time_off.pk], "post": "yes"}
    watch(lambda: staff_client.post("/admin/guides/timeoff/", data)).check()
    assert not TimeOff.objects.exists()
