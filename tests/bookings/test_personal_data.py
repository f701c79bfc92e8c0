"""Personal data of the people in a booking: what the audit trail keeps, retention, the group's
download and erasure request, and the office's erasure action (GDPR)."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, TestCase
from django.utils import timezone

from bookings.models import Booking, BookingEvent, BookingStatus
from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTACT_VALUES = ("Claire Martin", "claire@example.org", "+33 6 12 34 56 78")


def run_beat_schedule() -> None:
    """Run every periodic task once, as Celery beat would (the schedule is the contract)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        for entry in settings.CELERY_BEAT_SCHEDULE.values():
            module, _dot, name = str(entry["task"]).rpartition(".")
            getattr(import_module(module), name).apply().get()


def _auth(body: dict[str, Any]) -> dict[str, str]:
    return {"HTTP_X_BOOKING_TOKEN": body["token"]}


def _url(body: dict[str, Any], suffix: str = "") -> str:
    return f"/api/v1/bookings/{body['reference']}/{suffix}"


def _personal_values_in(booking: Booking) -> list[str]:
    dumped = json.dumps(
        [event.data for event in BookingEvent.objects.filter(booking=booking)], ensure_ascii=False
    )
    return [value for value in (*CONTACT_VALUES, "new@example.org") if value in dumped]


def _age(booking: Booking, days: int) -> None:
    """Pretend the booking's last change happened ``days`` ago (auto_now: a queryset update)."""
    Booking.objects.filter(pk=booking.pk).update(updated_at=timezone.now() - timedelta(days=days))


def _move_visit_back(booking: Booking, days: int) -> None:
    departure = Departure.objects.get(pk=booking.departure_id)
    length = departure.ends_at - departure.starts_at
    starts = timezone.now() - timedelta(days=days)
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)


def _pay_in_full(staff_api: Any, body: dict[str, Any]) -> None:
    booking = Booking.objects.get(reference=body["reference"])
    paid = staff_api.post(
        _url(body, "payments/"),
        {
            "method": "bank_transfer",
            "amount_cents": booking.total_cents,
            "date": timezone.localdate().isoformat(),
            "reference": "VIR-1",
        },
        format="json",
    )
    assert paid.status_code == 201, paid.content


def _contact_of(booking: Booking) -> tuple[str, str, str]:
    booking.refresh_from_db()
    return booking.contact_name, booking.contact_email, booking.contact_phone


@pytest.fixture
def requested(api: Any) -> dict[str, Any]:
    return book(api, bookable_departure(), notes="Claire Martin uses a wheelchair").json()


# --- The audit trail keeps the fact of a change, not the personal values ----------------------


def test_changing_the_contact_keeps_no_address_in_the_audit_trail(
    api: Any, requested: dict[str, Any]
) -> None:
    response = api.patch(
        _url(requested),
        {"contact": {"email": "new@example.org", "name": "Claire Martin"}},
        format="json",
        **_auth(requested),
    )
    assert response.status_code == 200, response.content
    booking = Booking.objects.get(reference=requested["reference"])
    assert _personal_values_in(booking) == []
    changed = booking.events.get(action="changed")
    assert changed.data["fields"] == ["contact_email", "contact_name"]


def test_an_audit_event_refuses_a_personal_value(requested: dict[str, Any]) -> None:
    """The shared guard: whatever service writes an event, a personal field cannot go in."""
    booking = Booking.objects.get(reference=requested["reference"])
    with pytest.raises(ValueError, match="contact_email"):
        BookingEvent.objects.create(
            booking=booking, actor_kind="system", action="x", data={"old": {"contact_email": "a"}}
        )
    BookingEvent.objects.create(
        booking=booking, actor_kind="system", action="x", data={"fields": ["contact_email"]}
    )


# --- Retention: requests that never became bookings ----------------------------------------


@pytest.mark.parametrize("final", ["declined", "expired", "cancelled"])
def test_a_request_that_never_became_a_booking_loses_its_contact_after_the_retention(
    api: Any, staff_api: Any, requested: dict[str, Any], final: str
) -> None:
    booking = Booking.objects.get(reference=requested["reference"])
    if final == "declined":
        assert staff_api.post(_url(requested, "decline/"), {}, format="json").status_code == 200
    elif final == "cancelled":
        assert api.post(_url(requested, "cancel/"), {}, **_auth(requested)).status_code == 200
    else:
        Booking.objects.filter(pk=booking.pk).update(
            hold_expires_at=timezone.now() - timedelta(minutes=1)
        )
    run_beat_schedule()  # expires the hold (and nothing is old enough to be erased yet)
    booking.refresh_from_db()
    assert booking.status == final
    assert _contact_of(booking) == CONTACT_VALUES

    _age(booking, settings.RETENTION_UNBOOKED_REQUEST_DAYS + 1)
    run_beat_schedule()
    assert _contact_of(booking) == ("", "", "")
    assert booking.notes == "" and booking.billing_address == ""
    assert booking.anonymised_at is not None
    # What is not personal stays, for the office's statistics.
    assert booking.organisation_name == "Mairie d'Arras"
    assert booking.participants == 18 and booking.status == final
    erased = booking.events.get(action="anonymised")
    assert erased.actor_kind == "system"
    assert erased.data["reason"] == "retention_unbooked"
    assert _personal_values_in(booking) == []

    run_beat_schedule()  # idempotent: a second run finds nothing more to do
    assert booking.events.filter(action="anonymised").count() == 1


def test_a_request_inside_its_retention_period_is_kept(
    staff_api: Any, requested: dict[str, Any]
) -> None:
    assert staff_api.post(_url(requested, "decline/"), {}, format="json").status_code == 200
    booking = Booking.objects.get(reference=requested["reference"])
    _age(booking, settings.RETENTION_UNBOOKED_REQUEST_DAYS - 1)
    run_beat_schedule()
    assert _contact_of(booking) == CONTACT_VALUES


def test_a_past_booking_keeps_its_contact_for_three_years_after_the_visit(
    staff_api: Any, requested: dict[str, Any]
) -> None:
    assert staff_api.post(_url(requested, "confirm/"), {}, format="json").status_code == 200
    _pay_in_full(staff_api, requested)
    booking = Booking.objects.get(reference=requested["reference"])
    _move_visit_back(booking, settings.RETENTION_BOOKING_CONTACT_DAYS - 1)
    _age(booking, 5000)
    run_beat_schedule()
    assert _contact_of(booking) == CONTACT_VALUES

    _move_visit_back(booking, settings.RETENTION_BOOKING_CONTACT_DAYS + 1)
    run_beat_schedule()
    assert _contact_of(booking) == ("", "", "")
    assert booking.events.get(action="anonymised").data["reason"] == "retention_booking"


# --- Download ---------------------------------------------------------------------------------


def test_the_group_downloads_its_data_as_a_json_file(api: Any, requested: dict[str, Any]) -> None:
    response = api.get(_url(requested, "personal-data/"), **_auth(requested))
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{requested["reference"]}-personal-data.json"'
    )
    assert response["Cache-Control"] == "private, no-store"
    data = json.loads(response.content)
    assert data["booking"]["reference"] == requested["reference"]
    assert data["booking"]["contact"] == {
        "name": "Claire Martin",
        "email": "claire@example.org",
        "phone": "+33 6 12 34 56 78",
    }
    assert data["booking"]["notes"] == "Claire Martin uses a wheelchair"
    assert [event["action"] for event in data["events"]] == ["created"]
    assert data["erasure"] == {"requested_at": None, "anonymised_at": None}
    assert "invoices" in data["retention"]
    assert "token" not in json.dumps(data)


def test_the_download_needs_the_booking_token(api: Any, requested: dict[str, Any]) -> None:
    wrong = api.get(_url(requested, "personal-data/"), HTTP_X_BOOKING_TOKEN="nope")
    assert_problem(wrong, 404, "not_found")


# --- Erasure on request -------------------------------------------------------------------


def test_the_group_asks_for_erasure_and_is_told_what_defers_it(
    api: Any, requested: dict[str, Any]
) -> None:
    mail.outbox.clear()
    response = api.post(_url(requested, "erasure-request/"), {}, format="json", **_auth(requested))
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "deferred"
    assert [row["code"] for row in body["blocked_by"]] == ["erasure_visit_upcoming"]
    assert body["requested_at"]
    booking = Booking.objects.get(reference=requested["reference"])
    assert booking.erasure_requested_at is not None
    assert _contact_of(booking) == CONTACT_VALUES  # staff act on it; nothing erased yet
    event = booking.events.get(action="erasure_requested")
    assert event.actor_kind == "group"
    assert _personal_values_in(booking) == []

    # The office is told, by reference only: the e-mail must not outlive the erasure.
    (notice,) = mail.outbox
    assert notice.to == [settings.OFFICE_EMAIL]
    assert notice.subject == f"Demande d'effacement pour la réservation {requested['reference']}"
    assert notice.body.startswith(f"Le groupe de la réservation {requested['reference']}")
    assert f"/admin/bookings/booking/{booking.pk}/change/" in notice.body
    assert not [value for value in CONTACT_VALUES if value in notice.body + notice.subject]

    again = api.post(_url(requested, "erasure-request/"), {}, format="json", **_auth(requested))
    assert again.status_code == 202
    assert again.json()["requested_at"] == body["requested_at"]
    assert booking.events.filter(action="erasure_requested").count() == 1
    assert len(mail.outbox) == 1

    shown = api.get(_url(requested), **_auth(requested)).json()
    assert shown["personal_data"]["erasure_requested_at"] == body["requested_at"]


def test_the_erasure_request_needs_the_booking_token(api: Any, requested: dict[str, Any]) -> None:
    wrong = api.post(_url(requested, "erasure-request/"), {}, HTTP_X_BOOKING_TOKEN="nope")
    assert_problem(wrong, 404, "not_found")
    assert Booking.objects.get().erasure_requested_at is None


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _erase_in_admin(admin_client: Client, booking: Booking) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return admin_client.post(
            "/admin/bookings/booking/",
            {"action": "erase_personal_data", "_selected_action": [booking.pk]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="en",
        )


def test_staff_erase_in_the_admin_once_the_visit_is_over(
    api: Any, staff_api: Any, admin_client: Client, requested: dict[str, Any]
) -> None:
    api.post(_url(requested, "erasure-request/"), {}, format="json", **_auth(requested))
    assert staff_api.post(_url(requested, "confirm/"), {}, format="json").status_code == 200
    booking = Booking.objects.get(reference=requested["reference"])
    listed = admin_client.get("/admin/bookings/booking/?erasure=pending")
    assert requested["reference"] in listed.content.decode()

    refused = _erase_in_admin(admin_client, booking).content.decode()
    assert "The visit is still to come" in refused
    assert _contact_of(booking) == CONTACT_VALUES

    _move_visit_back(booking, 2)
    unpaid = _erase_in_admin(admin_client, booking).content.decode()
    assert "still due" in unpaid
    assert _contact_of(booking) == CONTACT_VALUES

    _pay_in_full(staff_api, requested)
    page = _erase_in_admin(admin_client, booking).content.decode()
    assert "1 done." in page
    assert _contact_of(booking) == ("", "", "")
    event = booking.events.get(action="anonymised")
    assert event.actor_kind == "staff" and event.data["reason"] == "erasure_request"
    assert _personal_values_in(booking) == []
    assert booking.status == BookingStatus.CONFIRMED
    data = api.get(_url(requested, "personal-data/"), **_auth(requested)).json()
    assert data["booking"]["contact"] == {"name": "", "email": "", "phone": ""}
    assert data["erasure"]["anonymised_at"] is not None
    assert "claire@example.org" not in json.dumps([data["booking"], data["events"]])
    # The invoice issued for the transfer keeps its buyer, as the law requires (ten years).
    assert [invoice["buyer"]["contact_email"] for invoice in data["invoices"]] == [
        "claire@example.org"
    ]
