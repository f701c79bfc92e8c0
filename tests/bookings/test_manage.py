"""The group's booking with its token, and the office's actions, over HTTP."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from bookings import errors
from bookings.models import Booking, BookingEvent, BookingStatus
from itineraries.models import Departure, DepartureStatus
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(api: Any) -> dict[str, Any]:
    departure = bookable_departure(capacity=30)
    body = book(api, departure, participants=10).json()
    mail.outbox.clear()
    return body


def _url(booked: dict[str, Any], suffix: str = "") -> str:
    return f"/api/v1/bookings/{booked['reference']}/{suffix}"


def _auth(booked: dict[str, Any]) -> dict[str, str]:
    return {"HTTP_X_BOOKING_TOKEN": booked["token"]}


def test_group_reads_its_booking_with_header_or_query_token(api: Any, booked: Any) -> None:
    by_header = api.get(_url(booked), **_auth(booked))
    assert by_header.status_code == 200
    assert by_header.json()["reference"] == booked["reference"]
    assert "token" not in by_header.json()
    by_query = api.get(_url(booked) + f"?token={booked['token']}")
    assert by_query.status_code == 200
    assert by_query.json()["cancellation_terms"]["refund_percent"] == 100


@pytest.mark.parametrize("token", [None, "", "wrong", "x" * 500])
def test_wrong_or_missing_token_is_404(api: Any, booked: Any, token: str | None) -> None:
    headers = {} if token is None else {"HTTP_X_BOOKING_TOKEN": token}
    assert_problem(api.get(_url(booked), **headers), 404, "not_found")


def test_unknown_reference_answers_exactly_like_a_wrong_token(api: Any, booked: Any) -> None:
    wrong_token = api.get(_url(booked), HTTP_X_BOOKING_TOKEN="nope")
    unknown_ref = api.get("/api/v1/bookings/VA-ZZZZZZ/", HTTP_X_BOOKING_TOKEN=booked["token"])
    assert wrong_token.status_code == unknown_ref.status_code == 404
    assert wrong_token.json() == unknown_ref.json()


def test_group_changes_participants_and_price_follows(api: Any, booked: Any) -> None:
    response = api.patch(_url(booked), {"participants": 12}, format="json", **_auth(booked))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["participants"] == 12
    assert body["price"]["total_cents"] > booked["price"]["total_cents"]
    booking = Booking.objects.get(reference=booked["reference"])
    assert booking.sequence == 1
    changed = BookingEvent.objects.get(booking=booking, action="changed")
    assert changed.data["before"]["participants"] == 10
    assert changed.actor_kind == "group"
    assert "changed" in mail.outbox[0].subject.lower() or "modifiée" in mail.outbox[0].subject


def test_change_beyond_seats_left_is_refused(api: Any, booked: Any) -> None:
    departure = Departure.objects.get(pk=booked["departure"]["id"])
    book(api, departure, participants=15)
    response = api.patch(_url(booked), {"participants": 16}, format="json", **_auth(booked))
    body = assert_problem(response, 409, errors.SOLD_OUT, "participants")
    assert body["seats_left"] == 15
    assert Booking.objects.get(reference=booked["reference"]).participants == 10


def test_group_changes_contact(api: Any, booked: Any) -> None:
    response = api.patch(
        _url(booked), {"contact": {"email": "new@example.org"}}, format="json", **_auth(booked)
    )
    assert response.json()["contact"]["email"] == "new@example.org"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"participants": 0}, "participants"),
        ({"participants": "x"}, "participants"),
        ({"contact": {"email": "bad"}}, "contact.email"),
    ],
)
def test_bad_changes_are_refused(api: Any, booked: Any, payload: Any, field: str) -> None:
    response = api.patch(_url(booked), payload, format="json", **_auth(booked))
    assert_problem(response, 400, "validation_error", field)


def test_change_after_the_cutoff_is_refused(api: Any, booked: Any) -> None:
    departure = Departure.objects.get(pk=booked["departure"]["id"])
    soon = timezone.now() + timedelta(hours=20)
    Departure.objects.filter(pk=departure.pk).update(
        starts_at=soon, ends_at=soon + timedelta(hours=2)
    )
    response = api.patch(_url(booked), {"participants": 11}, format="json", **_auth(booked))
    assert_problem(response, 409, errors.CHANGE_CUTOFF_PASSED, "participants")


def test_group_cancels_and_is_told_the_refund(api: Any, booked: Any) -> None:
    response = api.post(
        _url(booked, "cancel/"), {"reason": "Budget"}, format="json", **_auth(booked)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["booking"]["status"] == "cancelled"
    assert body["refund_percent"] == 100  # 40 days ahead: the 30-day tier
    assert body["refund_cents"] == 0  # nothing paid yet
    assert len(mail.outbox) == 1
    again = api.post(_url(booked, "cancel/"), {}, format="json", **_auth(booked))
    assert again.status_code == 200
    assert again.json()["refund_percent"] == 100
    assert BookingEvent.objects.filter(action="cancelled").count() == 1


def test_refund_follows_the_policy_tier_at_cancellation(api: Any, booked: Any) -> None:
    booking = Booking.objects.get(reference=booked["reference"])
    Booking.objects.filter(pk=booking.pk).update(amount_paid_cents=10000)
    start = timezone.now() + timedelta(days=20, hours=1)
    Departure.objects.filter(pk=booking.departure_id).update(
        starts_at=start, ends_at=start + timedelta(hours=2)
    )
    body = api.post(_url(booked, "cancel/"), {}, format="json", **_auth(booked)).json()
    assert body["refund_percent"] == 50
    assert body["refund_cents"] == 5000


def test_cancelled_booking_frees_seats_and_cannot_change(api: Any, booked: Any) -> None:
    api.post(_url(booked, "cancel/"), {}, format="json", **_auth(booked))
    response = api.patch(_url(booked), {"participants": 11}, format="json", **_auth(booked))
    assert_problem(response, 409, errors.INVALID_TRANSITION, "status")
    departure = Departure.objects.get(pk=booked["departure"]["id"])
    assert book(api, departure, participants=30).status_code == 201


def test_calendar_file_parses_back(api: Any, booked: Any) -> None:
    response = api.get(_url(booked, "calendar.ics"), **_auth(booked))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"booking-{booked['reference']}@voyages-apprenants"
    assert event["STATUS"] == "TENTATIVE"
    assert event.decoded("DTSTART").isoformat() == booked["departure"]["starts_at"]
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert "10" in str(event["DESCRIPTION"])
    assert api.get(_url(booked, "calendar.ics"), **_auth(booked)).content == response.content
    assert_problem(api.get(_url(booked, "calendar.ics")), 404, "not_found")


def test_staff_confirm_a_request_and_the_mail_carries_the_ics(staff_api: Any, booked: Any) -> None:
    response = staff_api.post(_url(booked, "confirm/"), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    assert response.json()["hold_expires_at"] is None
    message = mail.outbox[0]
    assert "confirm" in message.subject.lower()
    name, content, _mimetype = message.attachments[0]
    assert name.endswith(".ics")
    assert icalendar.Calendar.from_ical(content).walk("VEVENT")[0]["STATUS"] == "CONFIRMED"
    assert staff_api.post(_url(booked, "confirm/")).status_code == 200  # idempotent


def test_staff_decline_a_request(staff_api: Any, booked: Any) -> None:
    response = staff_api.post(_url(booked, "decline/"), {"reason": "No guide"}, format="json")
    assert response.json()["status"] == "declined"
    again = staff_api.post(_url(booked, "confirm/"))
    assert_problem(again, 409, errors.INVALID_TRANSITION, "status")


def test_groups_cannot_confirm_their_own_booking(api: Any, booked: Any) -> None:
    response = api.post(_url(booked, "confirm/"), **_auth(booked))
    assert_problem(response, 403, "not_authenticated")


def test_confirming_an_expired_request_rechecks_seats(
    api: Any, staff_api: Any, booked: Any
) -> None:
    Booking.objects.filter(reference=booked["reference"]).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    departure = Departure.objects.get(pk=booked["departure"]["id"])
    assert book(api, departure, participants=25).status_code == 201
    response = staff_api.post(_url(booked, "confirm/"))
    assert_problem(response, 409, errors.SOLD_OUT, "participants")


def test_staff_list_filters(staff_api: Any, api: Any, booked: Any) -> None:
    departure = Departure.objects.get(pk=booked["departure"]["id"])
    book(api, departure, participants=2, organisation={"name": "Lycée", "type": "school"})
    everything = staff_api.get("/api/v1/bookings/").json()
    assert everything["count"] == 2
    schools = staff_api.get("/api/v1/bookings/?organisation_type=school").json()
    assert [row["organisation"]["name"] for row in schools["results"]] == ["Lycée"]
    requested = staff_api.get("/api/v1/bookings/?status=requested&itinerary=base-11-19").json()
    assert requested["count"] == 2
    assert_problem(
        staff_api.get("/api/v1/bookings/?status=lost"), 400, "validation_error", "status"
    )
    assert_problem(api.get("/api/v1/bookings/"), 403, "not_authenticated")


def test_staff_list_query_count_is_fixed(
    staff_api: Any, api: Any, booked: Any, django_assert_num_queries: Any
) -> None:
    departure = Departure.objects.get(pk=booked["departure"]["id"])
    for _ in range(8):
        book(api, departure, participants=1)
    # The user's and their groups' permissions (once per request), the count, then the page
    # with departures and itineraries.
    with django_assert_num_queries(4):
        staff_api.get("/api/v1/bookings/")


def test_staff_cancel_a_departure_cancels_every_booking_fully_refunded(
    staff_api: Any, api: Any, booked: Any
) -> None:
    departure = Departure.objects.get(pk=booked["departure"]["id"])
    other = book(api, departure, participants=3).json()
    Booking.objects.filter(reference=other["reference"]).update(amount_paid_cents=4000)
    mail.outbox.clear()
    response = staff_api.post(f"/api/v1/departures/{departure.pk}/cancel/", {"reason": "Storm"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert sorted(response.json()["bookings_cancelled"]) == sorted(
        [booked["reference"], other["reference"]]
    )
    assert {b.status for b in Booking.objects.all()} == {BookingStatus.CANCELLED}
    event = BookingEvent.objects.get(booking__reference=other["reference"], action="cancelled")
    assert event.data["refund_percent"] == 100
    assert event.data["refund_cents"] == 4000
    assert len(mail.outbox) == 2
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.CANCELLED


def test_expire_command_tidies_statuses_and_tells_the_group(api: Any, booked: Any) -> None:
    Booking.objects.filter(reference=booked["reference"]).update(
        hold_expires_at=timezone.now() - timedelta(minutes=1)
    )
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("expire_holds", stdout=io.StringIO())
    booking = Booking.objects.get(reference=booked["reference"])
    assert booking.status == BookingStatus.EXPIRED
    assert "expir" in mail.outbox[0].subject.lower()


def test_departure_capacity_cannot_drop_below_seats_taken(staff_api: Any, booked: Any) -> None:
    departure_id = booked["departure"]["id"]
    response = staff_api.patch(
        f"/api/v1/departures/{departure_id}/", {"capacity": 5}, format="json"
    )
    assert_problem(response, 409, errors.CAPACITY_BELOW_SEATS_TAKEN, "capacity")
    ok = staff_api.patch(f"/api/v1/departures/{departure_id}/", {"capacity": 10}, format="json")
    assert ok.status_code == 200
    assert ok.json()["seats_left"] == 0


def test_events_are_append_only(booked: Any) -> None:
    event = BookingEvent.objects.first()
    assert event is not None
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
