"""A booking's named participants (issue 18, first slice): the organiser's list, the head count,
the lock date, staff's override, the self-registration link, the accessibility warning, and the
participants' personal data (retention and the group's download)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from bookings import errors
from bookings import participants as service
from bookings.links import participants_token
from bookings.models import Booking, Participant, RegistrationLink
from itineraries.models import Departure, Site
from tests.bookings.helpers import book, bookable_departure
from tests.bookings.test_personal_data import _move_visit_back, _pay_in_full, run_beat_schedule
from tests.conftest import assert_problem
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(api: Any) -> dict[str, Any]:
    return book(api, bookable_departure(capacity=30), participants=3).json()


def _url(booked: dict[str, Any], suffix: str) -> str:
    return f"/api/v1/bookings/{booked['reference']}/{suffix}"


def _auth(booked: dict[str, Any]) -> dict[str, str]:
    return {"HTTP_X_BOOKING_TOKEN": booked["token"]}


def _entry(name: str, **overrides: Any) -> dict[str, Any]:
    return {"name": name, "category": "pupil", "email": "", **overrides}


def _put(api: Any, booked: dict[str, Any], entries: list[dict[str, Any]], **headers: Any) -> Any:
    return api.put(
        _url(booked, "participants/"),
        {"participants": entries},
        format="json",
        **(headers or _auth(booked)),
    )


def _names(booked: dict[str, Any]) -> list[str]:
    rows = Participant.objects.filter(booking__reference=booked["reference"])
    return list(rows.order_by("created_at", "pk").values_list("name", flat=True))


def _lock_soon(booked: dict[str, Any], days: int) -> None:
    """Move the visit to start in ``days`` days (inside or outside the lock period)."""
    departure = Departure.objects.get(bookings__reference=booked["reference"])
    length = departure.ends_at - departure.starts_at
    starts = timezone.now() + timedelta(days=days)
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)


def _accessible_everywhere() -> None:
    Site.objects.update(wheelchair_accessible=True)


# --- The organiser's list -------------------------------------------------------------------


def test_the_organiser_enters_reads_and_replaces_the_list(api: Any, booked: Any) -> None:
    _accessible_everywhere()
    first = _put(
        api,
        booked,
        [
            _entry("Léa", needs={"diet": True, "details": "végétarienne"}),
            _entry("M. Dupont", category="accompanying_staff", email="dupont@example.org"),
        ],
    )
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["head_count"] == 3
    assert [p["name"] for p in body["participants"]] == ["Léa", "M. Dupont"]
    assert body["participants"][0]["needs"] == {
        "reduced_mobility": False,
        "diet": True,
        "hearing": False,
        "sight": False,
        "other": False,
        "details": "végétarienne",
    }
    assert body["participants"][0]["entered_by"] == "organiser"
    assert body["warnings"] == [] and body["locked"] is False
    lea = body["participants"][0]["id"]

    # The whole list replaced: Léa kept (by id, corrected), Dupont gone, Hugo new.
    second = _put(api, booked, [_entry("Léa Martin", id=lea), _entry("Hugo")])
    assert second.status_code == 200, second.content
    assert _names(booked) == ["Léa Martin", "Hugo"]
    assert Participant.objects.get(pk=lea).needs_diet is False
    read = api.get(_url(booked, "participants/"), **_auth(booked)).json()
    assert [p["name"] for p in read["participants"]] == ["Léa Martin", "Hugo"]
    assert read["lock_at"]


def test_a_list_longer_than_the_head_count_is_refused_and_nothing_changes(
    api: Any, booked: Any
) -> None:
    assert _put(api, booked, [_entry("A")]).status_code == 200
    refused = _put(api, booked, [_entry(n) for n in "BCDE"])
    assert_problem(refused, 400, service.PARTICIPANTS_OVER_HEAD_COUNT, "participants")
    assert _names(booked) == ["A"]


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"name": "", "category": "pupil"}, "participants.0.name"),
        ({"name": "A", "category": "astronaut"}, "participants.0.category"),
        ({"name": "A", "category": "pupil", "email": "not-an-address"}, "participants.0.email"),
    ],
)
def test_bad_entries_are_refused_by_field(
    api: Any, booked: Any, entry: dict[str, Any], field: str
) -> None:
    body = assert_problem(_put(api, booked, [entry]), 400, "validation_error")
    assert any(field in row["field"] for row in body["errors"]), body["errors"]
    assert _names(booked) == []


def test_an_id_of_another_booking_is_refused(api: Any, booked: Any) -> None:
    other = book(api, Departure.objects.get(bookings__reference=booked["reference"])).json()
    _put(api, other, [_entry("Someone else")])
    theirs = Participant.objects.get(booking__reference=other["reference"]).pk
    refused = _put(api, booked, [_entry("Stolen", id=theirs)])
    assert_problem(refused, 400, service.PARTICIPANT_UNKNOWN, "participants.0.id")
    assert _names(other) == ["Someone else"]


def test_another_group_and_the_read_only_link_cannot_read_the_list(api: Any, booked: Any) -> None:
    _put(api, booked, [_entry("Léa", needs={"reduced_mobility": True})])
    other = book(api, Departure.objects.get(bookings__reference=booked["reference"])).json()
    wrong = api.get(_url(booked, "participants/"), HTTP_X_BOOKING_TOKEN=other["token"])
    assert_problem(wrong, 404, "not_found")
    visit_link = Booking.objects.get(reference=booked["reference"])
    reader = api.get(
        _url(booked, "participants/"), HTTP_X_BOOKING_TOKEN=participants_token(visit_link)
    )
    assert_problem(reader, 404, "not_found")


def test_after_the_lock_date_only_staff_change_the_list(
    api: Any, staff_api: Any, booked: Any
) -> None:
    _put(api, booked, [_entry("Léa")])
    _lock_soon(booked, settings.PARTICIPANTS_LOCK_DAYS - 1)
    refused = _put(api, booked, [_entry("Léa"), _entry("Hugo")])
    assert_problem(refused, 409, service.PARTICIPANTS_LOCKED, "participants")
    assert _names(booked) == ["Léa"]
    assert api.get(_url(booked, "participants/"), **_auth(booked)).json()["locked"] is True

    by_staff = staff_api.put(
        _url(booked, "participants/"),
        {"participants": [_entry("Léa"), _entry("Hugo")]},
        format="json",
    )
    assert by_staff.status_code == 200, by_staff.content
    assert _names(booked) == ["Léa", "Hugo"]
    assert Participant.objects.get(name="Hugo").entered_by == "staff"


def test_staff_without_the_change_permission_cannot_change_it(api: Any, booked: Any) -> None:
    viewer = StaffFactory(groups=[])
    api.force_authenticate(viewer)
    assert api.put(
        _url(booked, "participants/"), {"participants": [_entry("X")]}, format="json"
    ).status_code in (403, 404)
    assert _names(booked) == []


def test_the_setting_moves_the_lock_date(api: Any, booked: Any, settings: Any) -> None:
    _lock_soon(booked, 10)
    assert _put(api, booked, [_entry("Léa")]).status_code == 200
    settings.PARTICIPANTS_LOCK_DAYS = 14
    assert_problem(_put(api, booked, [_entry("Hugo")]), 409, service.PARTICIPANTS_LOCKED)


def test_a_cancelled_booking_list_no_longer_changes(api: Any, booked: Any) -> None:
    cancelled = api.post(_url(booked, "cancel/"), {}, format="json", **_auth(booked))
    assert cancelled.status_code == 200, cancelled.content
    refused = _put(api, booked, [_entry("Léa")])
    assert_problem(refused, 409, service.PARTICIPANTS_BOOKING_CLOSED)


# --- Accessibility --------------------------------------------------------------------------


def test_reduced_mobility_on_a_site_without_step_free_access_warns_and_is_audited(
    api: Any, booked: Any
) -> None:
    booking = Booking.objects.get(reference=booked["reference"])
    answer = _put(api, booked, [_entry("Léa", needs={"reduced_mobility": True})]).json()
    [warning] = answer["warnings"]
    assert warning["code"] == service.STEP_FREE_ACCESS_LACKING
    site = Site.objects.get(stops__itinerary__departures__bookings=booking)
    assert warning["sites"] == [site.slug]
    event = booking.events.get(action="accessibility_warning")
    assert event.data == {
        "code": service.STEP_FREE_ACCESS_LACKING,
        "reduced_mobility": 1,
        "sites": [site.slug],
    }
    # Sent again unchanged: no second audit row.
    _put(
        api,
        booked,
        [
            _entry(
                "Léa", id=answer["participants"][0]["id"], needs=answer["participants"][0]["needs"]
            )
        ],
    )
    assert booking.events.filter(action="accessibility_warning").count() == 1


def test_no_warning_when_every_site_is_step_free(api: Any, booked: Any) -> None:
    _accessible_everywhere()
    answer = _put(api, booked, [_entry("Léa", needs={"reduced_mobility": True})]).json()
    assert answer["warnings"] == []
    booking = Booking.objects.get(reference=booked["reference"])
    assert not booking.events.filter(action="accessibility_warning").exists()


# --- Self-registration ----------------------------------------------------------------------


def _link(api: Any, booked: dict[str, Any], **body: Any) -> Any:
    return api.post(_url(booked, "registration-link/"), body, format="json", **_auth(booked))


def _register(api: Any, booked: dict[str, Any], token: str, entry: dict[str, Any]) -> Any:
    return api.post(
        _url(booked, "registration/"), entry, format="json", HTTP_X_REGISTRATION_TOKEN=token
    )


def test_self_registration_up_to_the_head_count(api: Any, booked: Any) -> None:
    _put(api, booked, [_entry("Léa", needs={"diet": True, "details": "sans gluten"})])
    made = _link(api, booked)
    assert made.status_code == 200, made.content
    token = made.json()["token"]
    assert made.json()["url"].endswith(f"/bookings/{booked['reference']}/register?token={token}")
    assert RegistrationLink.objects.get().token_hash != token  # only the hash is kept

    info = api.get(_url(booked, "registration/"), HTTP_X_REGISTRATION_TOKEN=token)
    assert info.status_code == 200
    assert info.json()["places_left"] == 2
    assert "Léa" not in info.content.decode() and "gluten" not in info.content.decode()

    first = _register(api, booked, token, _entry("Hugo", needs={"hearing": True}))
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["secret"] and answer["participant"]["entered_by"] == "self"
    assert "Léa" not in first.content.decode() and "gluten" not in first.content.decode()
    assert _register(api, booked, token, _entry("Inès")).status_code == 201
    full = _register(api, booked, token, _entry("Jules"))
    assert_problem(full, 400, service.PARTICIPANTS_OVER_HEAD_COUNT, "participants")
    assert _names(booked) == ["Léa", "Hugo", "Inès"]

    # The organiser sees them, and keeps them by id when replacing the list.
    listed = api.get(_url(booked, "participants/"), **_auth(booked)).json()["participants"]
    assert [p["entered_by"] for p in listed] == ["organiser", "self", "self"]


def test_a_participant_corrects_only_their_own_entry(api: Any, booked: Any) -> None:
    token = _link(api, booked).json()["token"]
    hugo = _register(api, booked, token, _entry("Hugo")).json()
    ines = _register(api, booked, token, _entry("Inès", needs={"sight": True})).json()
    own = f"registration/{hugo['participant']['id']}/"
    other = f"registration/{ines['participant']['id']}/"
    secret = {"HTTP_X_PARTICIPANT_SECRET": hugo["secret"]}

    fixed = api.put(
        _url(booked, own), _entry("Hugo Petit", category="adult"), format="json", **secret
    )
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["participant"]["name"] == "Hugo Petit"
    assert api.get(_url(booked, own), **secret).json()["category"] == "adult"

    # Hugo's secret opens nothing of Inès's, nor does the link's token.
    assert_problem(api.get(_url(booked, other), **secret), 404, "not_found")
    assert_problem(
        api.put(_url(booked, other), _entry("Hacked"), format="json", **secret), 404, "not_found"
    )
    assert_problem(api.get(_url(booked, other), HTTP_X_PARTICIPANT_SECRET=token), 404, "not_found")
    # Nor does the link read the organiser's list.
    assert_problem(
        api.get(_url(booked, "participants/"), HTTP_X_BOOKING_TOKEN=token), 404, "not_found"
    )
    assert _names(booked) == ["Hugo Petit", "Inès"]


def test_self_registration_is_refused_after_the_lock_date(api: Any, booked: Any) -> None:
    token = _link(api, booked).json()["token"]
    hugo = _register(api, booked, token, _entry("Hugo")).json()
    _lock_soon(booked, settings.PARTICIPANTS_LOCK_DAYS - 1)
    assert_problem(_register(api, booked, token, _entry("Inès")), 409, service.PARTICIPANTS_LOCKED)
    late_fix = api.put(
        _url(booked, f"registration/{hugo['participant']['id']}/"),
        _entry("Hugo Petit"),
        format="json",
        HTTP_X_PARTICIPANT_SECRET=hugo["secret"],
    )
    assert_problem(late_fix, 409, service.PARTICIPANTS_LOCKED)
    assert _names(booked) == ["Hugo"]


def test_a_new_link_replaces_the_old_one_and_revoking_closes_it(api: Any, booked: Any) -> None:
    old = _link(api, booked).json()["token"]
    new = _link(api, booked).json()["token"]
    assert_problem(_register(api, booked, old, _entry("Hugo")), 404, "not_found")
    assert _register(api, booked, new, _entry("Hugo")).status_code == 201
    revoked = _link(api, booked, revoke=True)
    assert revoked.json() == {"active": False, "token": None, "url": None}
    assert_problem(_register(api, booked, new, _entry("Inès")), 404, "not_found")
    state = api.get(_url(booked, "participants/"), **_auth(booked)).json()["registration_link"]
    assert state["active"] is False
    assert _names(booked) == ["Hugo"]


def test_only_the_organiser_makes_the_link(api: Any, booked: Any) -> None:
    wrong = api.post(
        _url(booked, "registration-link/"), {}, format="json", HTTP_X_BOOKING_TOKEN="nope"
    )
    assert_problem(wrong, 404, "not_found")
    assert not RegistrationLink.objects.exists()


# --- Personal data --------------------------------------------------------------------------


def test_the_download_lists_the_participants(api: Any, booked: Any) -> None:
    _put(api, booked, [_entry("Léa", email="lea@example.org", needs={"diet": True})])
    data = api.get(_url(booked, "personal-data/"), **_auth(booked)).json()
    [row] = data["booking"]["participant_list"]
    assert row["name"] == "Léa" and row["email"] == "lea@example.org"
    assert row["needs"]["diet"] is True


def test_participants_are_erased_with_the_contact(api: Any, staff_api: Any, booked: Any) -> None:
    _put(api, booked, [_entry("Léa", needs={"reduced_mobility": True})])
    _link(api, booked)
    assert staff_api.post(_url(booked, "confirm/"), {}, format="json").status_code == 200
    _pay_in_full(staff_api, booked)
    booking = Booking.objects.get(reference=booked["reference"])
    _move_visit_back(booking, settings.RETENTION_BOOKING_CONTACT_DAYS - 1)
    run_beat_schedule()
    assert _names(booked) == ["Léa"]

    _move_visit_back(booking, settings.RETENTION_BOOKING_CONTACT_DAYS + 1)
    run_beat_schedule()
    assert _names(booked) == []
    assert not RegistrationLink.objects.filter(booking=booking).exists()
    event = booking.events.get(action="anonymised")
    assert event.data["participants_erased"] == 1
    data = api.get(_url(booked, "personal-data/"), **_auth(booked)).json()
    assert data["booking"]["participant_list"] == []


# --- The head count and the named list ----------------------------------------------------


def test_lowering_the_head_count_below_the_named_participants_is_refused(
    api: Any, booked: Any
) -> None:
    assert _put(api, booked, [_entry("A"), _entry("B"), _entry("C")]).status_code == 200
    refused = api.patch(
        f"/api/v1/bookings/{booked['reference']}/",
        {"participants": 2},
        format="json",
        **_auth(booked),
    )
    body = assert_problem(refused, 409, errors.HEAD_COUNT_BELOW_NAMED_PARTICIPANTS, "participants")
    assert body["named_participants"] == 3
    booking = Booking.objects.get(reference=booked["reference"])
    assert booking.participants == 3
    assert not booking.events.filter(action="changed").exists()
    # Down to the names on the list is fine; below it once a name is removed.
    assert _put(api, booked, [_entry("A"), _entry("B")]).status_code == 200
    lowered = api.patch(
        f"/api/v1/bookings/{booked['reference']}/",
        {"participants": 2},
        format="json",
        **_auth(booked),
    )
    assert lowered.status_code == 200, lowered.content
    assert Booking.objects.get(reference=booked["reference"]).participants == 2


# --- Staff in the admin ---------------------------------------------------------------------


def _admin_form(booking: Booking, rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    form: dict[str, Any] = {
        "participants": booking.participants,
        "contact_name": booking.contact_name,
        "contact_email": booking.contact_email,
        "contact_phone": booking.contact_phone,
        "notes": booking.notes,
        "events-TOTAL_FORMS": 0,
        "events-INITIAL_FORMS": 0,
        "participant_entries-TOTAL_FORMS": len(rows),
        "participant_entries-INITIAL_FORMS": initial,
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            form[f"participant_entries-{index}-{key}"] = value
        form[f"participant_entries-{index}-booking"] = booking.pk
    return form


def test_staff_enter_correct_and_remove_participants_in_the_admin_through_the_service(
    api: Any, admin_client: Any, booked: Any
) -> None:
    from django.test import TestCase

    _accessible_everywhere()
    _put(api, booked, [_entry("Léa", needs={"diet": True, "details": "sans gluten"})])
    booking = Booking.objects.get(reference=booked["reference"])
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Léa" in page and "sans gluten" in page
    assert "Mobilité réduite" in page and "Régime alimentaire" in page  # French labels
    lea = Participant.objects.get(booking=booking)
    rows = [
        {"id": lea.pk, "name": "Léa Martin", "category": "pupil", "needs_diet": "on"},
        {"name": "M. Dupont", "category": "accompanying_staff", "needs_reduced_mobility": "on"},
    ]
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(url, _admin_form(booking, rows, initial=1))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _names(booked) == ["Léa Martin", "M. Dupont"]
    assert Participant.objects.get(pk=lea.pk).needs_details == ""
    dupont = Participant.objects.get(name="M. Dupont")
    assert dupont.entered_by == "staff" and dupont.needs_reduced_mobility
    event = booking.events.filter(action="participants_replaced").last()
    assert event is not None and event.actor_kind == "staff" and event.data == {"count": 2}
    # Removing Léa: the row is sent marked for deletion.
    rows = [
        {"id": lea.pk, "name": "Léa Martin", "category": "pupil", "DELETE": "on"},
        {"id": dupont.pk, "name": "M. Dupont", "category": "accompanying_staff"},
    ]
    assert admin_client.post(url, _admin_form(booking, rows, initial=2)).status_code == 302
    assert _names(booked) == ["M. Dupont"]


def test_the_admin_refuses_more_names_than_the_head_count_and_writes_nothing(
    admin_client: Any, booked: Any
) -> None:
    booking = Booking.objects.get(reference=booked["reference"])  # 3 people
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    rows = [{"name": name, "category": "pupil"} for name in "ABCD"]
    form = _admin_form(booking, rows)
    form["contact_name"] = "Quelqu'un d'autre"  # changed in the same form: rolled back too
    response = admin_client.post(url, form, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert _names(booked) == []
    shown = [str(message) for message in response.context["messages"]]
    assert any("cannot have more names" in message for message in shown), shown
    booking.refresh_from_db()
    assert booking.contact_name != "Quelqu'un d'autre"
    assert not booking.events.filter(action="changed").exists()


def test_the_admin_shows_why_the_head_count_cannot_drop_below_the_names(
    api: Any, admin_client: Any, booked: Any
) -> None:
    _put(api, booked, [_entry("A"), _entry("B"), _entry("C")])
    booking = Booking.objects.get(reference=booked["reference"])
    form = _admin_form(booking, [])
    form["participant_entries-TOTAL_FORMS"] = 0
    form["participants"] = 2
    url = f"/admin/bookings/booking/{booking.pk}/change/"
    response = admin_client.post(url, form, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    shown = [str(message) for message in response.context["messages"]]
    assert any("remove names from the list" in message for message in shown), shown
    booking.refresh_from_db()
    assert booking.participants == 3
