"""The guide's subscription feed, parsed back with icalendar and with ics, field by field."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import ics
import pytest
from django.utils import timezone
from icalendar import Calendar
from rest_framework.test import APIClient

from guides import services
from guides.calendar import departure_uid
from guides.models import Assignment, Guide
from itineraries import services as itinerary_services
from itineraries.invalidation import catalogue_written
from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.guides.helpers import assign, at, departure_at, make_guide

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _feed(client: APIClient, token: str, **headers: Any) -> Any:
    return client.get(f"/calendar/guides/{token}.ics", **headers)


def _parse(response: Any) -> Calendar:
    assert response.status_code == 200, response.content
    return Calendar.from_ical(response.content)


def _events(calendar: Calendar) -> list[Any]:
    return list(calendar.walk("VEVENT"))


def _confirmed_group(staff_api: APIClient, departure: Departure, participants: int) -> str:
    created = book(staff_api, departure, participants=participants, options=[])
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    confirmed = staff_api.post(f"/api/v1/bookings/{reference}/confirm/")
    assert confirmed.status_code == 200, confirmed.content
    return str(reference)


@pytest.fixture
def guide() -> Guide:
    return make_guide(display_name="Louise Dupont", phone="+33 6 11 22 33 44")


def test_the_feed_holds_one_event_per_assignment_as_the_standards_say(
    api: APIClient, staff_api: APIClient, guide: Guide
) -> None:
    departure = bookable_departure(capacity=30, days=40, participants_per_guide=10)
    _confirmed_group(staff_api, departure, 18)
    colleague = make_guide(display_name="Marc Lefebvre", phone="+33 6 55 66 77 88")
    assign(departure, guide)
    assign(departure, colleague, role="assistant")
    token = services.feed_token_rotate(guide=guide)

    response = _feed(api, token, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    raw = response.content.decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in raw
    assert "X-PUBLISHED-TTL:PT1H\r\n" in raw
    assert "METHOD" not in raw

    calendar = _parse(response)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert "Louise Dupont" in str(calendar["NAME"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    (event,) = _events(calendar)
    assert str(event["UID"]) == departure_uid(departure)
    assert "departure" not in str(event["UID"])  # random-looking, no ids or personal data
    assert event["SEQUENCE"] == 0  # the group was confirmed before the guide was assigned
    assert event["STATUS"] == "CONFIRMED"
    start = event.decoded("DTSTART")
    assert start == departure.starts_at
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Paris"
    assert event.decoded("DTEND") == departure.ends_at
    assert str(event["LOCATION"]) == departure.itinerary.meeting_point
    geo = event.decoded("GEO")
    assert (round(geo[0], 4), round(geo[1], 4)) == (50.4432, 2.7885)
    stamp = Assignment.objects.get(guide=guide).updated_at
    assert event.decoded("DTSTAMP") == max(stamp, departure.updated_at).replace(microsecond=0)
    description = str(event["DESCRIPTION"])
    assert "Mairie d'Arras (18) — Claire Martin +33 6 12 34 56 78" in description
    assert "18" in description and "Français" in description  # the office's language
    assert f"{start.astimezone(PARIS):%H:%M}" in description
    assert "Marc Lefebvre +33 6 55 66 77 88" in description
    assert "/itineraries/base-11-19" in str(event["URL"])

    # A second, independent parser reads the same thing.
    (other,) = ics.Calendar(raw).events
    assert other.uid == departure_uid(departure)
    assert other.begin.datetime == departure.starts_at
    assert other.end.datetime == departure.ends_at
    assert other.location == departure.itinerary.meeting_point
    assert other.status == "CONFIRMED"


def test_two_fetches_without_change_give_the_same_bytes_and_a_304(
    api: APIClient, guide: Guide
) -> None:
    assign(departure_at(at(20, 10)), guide)
    assign(departure_at(at(21, 14)), guide, role="assistant")
    token = services.feed_token_rotate(guide=guide)
    first = _feed(api, token)
    second = _feed(api, token, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert len(_events(_parse(first))) == 2
    by_etag = _feed(api, token, HTTP_IF_NONE_MATCH=first["ETag"])
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert by_etag["Cache-Control"] == "private"
    by_date = _feed(api, token, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    assert _feed(api, token, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_moving_a_departure_bumps_the_sequence_and_keeps_the_uid(
    api: APIClient, staff_api: APIClient, guide: Guide
) -> None:
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    token = services.feed_token_rotate(guide=guide)
    before = _feed(api, token)
    (old,) = _events(_parse(before))
    moved = staff_api.patch(
        f"/api/v1/departures/{departure.pk}/", {"starts_at": at(21, 14).isoformat()}, format="json"
    )
    assert moved.status_code == 200, moved.content
    after = _feed(api, token, HTTP_IF_NONE_MATCH=before["ETag"])
    (new,) = _events(_parse(after))
    assert new["UID"] == old["UID"]
    assert new["SEQUENCE"] == old["SEQUENCE"] + 1
    assert new.decoded("DTSTART") == at(21, 14)
    assert new.decoded("DTSTAMP") >= old.decoded("DTSTAMP")
    assert after["ETag"] != before["ETag"]


def test_a_cancelled_departure_stays_in_the_feed_as_cancelled(
    api: APIClient, staff_api: APIClient, guide: Guide
) -> None:
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    token = services.feed_token_rotate(guide=guide)
    (old,) = _events(_parse(_feed(api, token)))
    cancelled = staff_api.post(f"/api/v1/departures/{departure.pk}/cancel/", {}, format="json")
    assert cancelled.status_code == 200, cancelled.content
    (new,) = _events(_parse(_feed(api, token)))
    assert new["STATUS"] == "CANCELLED"
    assert new["UID"] == old["UID"]
    assert new["SEQUENCE"] > old["SEQUENCE"]
    (parsed,) = ics.Calendar(_feed(api, token).content.decode()).events
    assert parsed.status == "CANCELLED"


def test_a_group_confirmed_or_changed_bumps_the_sequence(
    api: APIClient, staff_api: APIClient, guide: Guide
) -> None:
    departure = bookable_departure(capacity=30, days=40)
    assign(departure, guide)
    token = services.feed_token_rotate(guide=guide)
    (before,) = _events(_parse(_feed(api, token)))
    assert "(18)" not in str(before["DESCRIPTION"])
    reference = _confirmed_group(staff_api, departure, 18)
    (confirmed,) = _events(_parse(_feed(api, token)))
    assert confirmed["SEQUENCE"] == before["SEQUENCE"] + 1
    assert "(18)" in str(confirmed["DESCRIPTION"])
    changed = staff_api.patch(f"/api/v1/bookings/{reference}/", {"participants": 20}, format="json")
    assert changed.status_code == 200, changed.content
    (grown,) = _events(_parse(_feed(api, token)))
    assert grown["SEQUENCE"] == confirmed["SEQUENCE"] + 1
    assert "(20)" in str(grown["DESCRIPTION"])


def test_past_events_are_kept_thirty_days(api: APIClient, guide: Guide) -> None:
    recent = departure_at(at(20, 10))
    old = departure_at(at(21, 10))
    assign(recent, guide)
    assign(old, guide)
    now = timezone.now()
    Departure.objects.filter(pk=recent.pk).update(
        starts_at=now - timedelta(days=29, hours=2), ends_at=now - timedelta(days=29)
    )
    Departure.objects.filter(pk=old.pk).update(
        starts_at=now - timedelta(days=31, hours=2), ends_at=now - timedelta(days=31)
    )
    token = services.feed_token_rotate(guide=guide)
    uids = [str(e["UID"]) for e in _events(_parse(_feed(api, token)))]
    assert uids == [departure_uid(recent)]


def test_a_released_assignment_leaves_the_feed_and_moves_last_modified(
    api: APIClient, staff_api: APIClient, guide: Guide
) -> None:
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    token = services.feed_token_rotate(guide=guide)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Assignment.objects.update(updated_at=an_hour_ago)
    Departure.objects.update(updated_at=an_hour_ago)
    Guide.objects.update(updated_at=an_hour_ago)
    before = _feed(api, token)
    released = staff_api.delete(
        f"/api/v1/departures/{departure.pk}/assignments/", {"guide": guide.pk}, format="json"
    )
    assert released.status_code == 204
    after = _feed(api, token, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"])
    assert after.status_code == 200
    assert _events(_parse(after)) == []


def test_a_rotated_token_s_old_url_answers_404(api: APIClient, guide: Guide) -> None:
    assign(departure_at(at(20, 10)), guide)
    old = services.feed_token_rotate(guide=guide)
    assert _feed(api, old).status_code == 200
    client = APIClient()
    client.force_authenticate(guide.user)
    rotated = client.post("/api/v1/guides/me/feed-token/")
    new = rotated.json()["feed_url"].rsplit("/", 1)[1].removesuffix(".ics")
    response = _feed(api, old)
    assert_problem(response, 404, "not_found")
    assert response["Referrer-Policy"] == "no-referrer"
    assert _feed(api, new).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["unknown", "x" * 43, "x" * 500, "%00", "..", "0" * 64, "é"],
)
def test_unknown_or_malformed_tokens_are_refused_and_never_logged(
    api: APIClient, guide: Guide, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    services.feed_token_rotate(guide=guide)
    with caplog.at_level(logging.DEBUG):
        response = _feed(api, token)
    if token == "%00":  # a NUL in the path may be refused before the view: any clear 4xx
        assert response.status_code in (400, 404)
        assert response["Content-Type"].startswith("application/problem+json")
    else:
        assert_problem(response, 404, "not_found")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert token not in logged


def test_a_guide_without_a_token_or_inactive_has_no_feed(api: APIClient, guide: Guide) -> None:
    token = services.feed_token_rotate(guide=guide)
    Guide.objects.filter(pk=guide.pk).update(is_active=False)
    assert_problem(_feed(api, token), 404, "not_found")
    assert_problem(api.get("/calendar/guides/.ics"), 404, "not_found")


def test_only_get_is_allowed(api: APIClient, guide: Guide, caplog: Any) -> None:
    token = services.feed_token_rotate(guide=guide)
    with caplog.at_level(logging.DEBUG):
        response = api.post(f"/calendar/guides/{token}.ics")
    assert_problem(response, 405, "method_not_allowed")
    assert token not in "\n".join(record.getMessage() for record in caplog.records)


def test_dtstamp_is_the_last_change_not_now(api: APIClient, guide: Guide) -> None:
    assign(departure_at(at(20, 10)), guide)
    token = services.feed_token_rotate(guide=guide)
    fixed = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    Assignment.objects.update(updated_at=fixed)
    Departure.objects.update(updated_at=fixed - timedelta(days=1))
    (event,) = _events(_parse(_feed(api, token)))
    assert event.decoded("DTSTAMP") == fixed
    assert event.decoded("LAST-MODIFIED") == fixed


def test_a_matching_poll_costs_no_query_and_catalogue_edits_show_in_the_next_one(
    api: APIClient, guide: Guide, django_assert_num_queries: Any
) -> None:
    departure = departure_at(at(20, 10))
    assign(departure, guide)
    token = services.feed_token_rotate(guide=guide)
    first = _feed(api, token)
    with django_assert_num_queries(0):
        assert _feed(api, token, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    itinerary = departure.itinerary
    itinerary_services.itinerary_update(
        itinerary=itinerary, fields={"title_fr": "Les terrils jumeaux"}
    )
    retitled = _feed(api, token, HTTP_IF_NONE_MATCH=first["ETag"])
    assert "Les terrils jumeaux" in str(_events(_parse(retitled))[0]["SUMMARY"])
    site = itinerary.stops.first().site
    site.name_fr = "Base 11/19, chevalement"
    site.save()
    catalogue_written()  # as the site's admin does (tests/itineraries/test_invalidation.py)
    renamed = _feed(api, token, HTTP_IF_NONE_MATCH=retitled["ETag"])
    assert renamed.status_code == 200
    assert renamed["ETag"] != retitled["ETag"]
