"""The accessibility alert (issue 18, item 2): a write of a group's list that raises the number
of people needing step-free access, on an itinerary with a site lacking it, e-mails staff
(ACCESS_ALERT_EMAIL) and the departure's assigned guides once per rise, after commit, each in
their language, naming the booking, the date, the sites and the count and no person."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import override_settings

from bookings.models import Booking
from guides.models import Guide
from itineraries.models import Site
from tests.bookings.helpers import book, bookable_departure
from tests.guides.helpers import assign, make_guide

pytestmark = pytest.mark.django_db

OFFICE = "access@voyages-apprenants.example"


@pytest.fixture
def group(api: Any) -> dict[str, Any]:
    """A booking of four on a departure led by an English-speaking guide with a French-speaking
    assistant, beside another group whose list names Mme Zed; the meeting site has steps."""
    departure = bookable_departure(capacity=30)
    Site.objects.update(name_fr="Base 11/19", name_en="Base 11/19", wheelchair_accessible=False)
    sam = make_guide(user__email="sam@example.org")
    assign(departure, sam)
    Guide.objects.filter(pk=sam.pk).update(languages=["en"])  # since then, English only
    assign(departure, make_guide(user__email="ines@example.org"), role="assistant")
    other = book(api, departure, participants=2).json()
    _put(api, other, [{"name": "Mme Zed", "category": "adult"}])  # no reduced mobility
    booked = book(api, departure, participants=4).json()
    mail.outbox.clear()
    return booked


def _put(api: Any, booked: dict[str, Any], entries: list[dict[str, Any]]) -> Any:
    answer = api.put(
        f"/api/v1/bookings/{booked['reference']}/participants/",
        {"participants": entries},
        format="json",
        HTTP_X_BOOKING_TOKEN=booked["token"],
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def _wheelchair(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "category": "pupil", "needs": {"reduced_mobility": True}, **extra}


def _by_recipient() -> dict[str, Any]:
    return {message.to[0]: message for message in mail.outbox}


@override_settings(ACCESS_ALERT_EMAIL=OFFICE)
def test_staff_and_each_guide_get_one_email_per_rise_in_their_language(
    api: Any, group: dict[str, Any]
) -> None:
    answer = _put(api, group, [_wheelchair("Léa Dumont"), {"name": "Hugo", "category": "pupil"}])
    sent = _by_recipient()
    assert sorted(sent) == [OFFICE, "ines@example.org", "sam@example.org"]
    reference = group["reference"]
    staff, french, english = sent[OFFICE], sent["ines@example.org"], sent["sam@example.org"]
    assert staff.subject.startswith(f"Accessibilité : {reference}, visite du ")
    assert "compte maintenant 1 personne à mobilité réduite" in staff.body
    assert "pas d'accès de plain-pied : Base 11/19." in staff.body
    booking = Booking.objects.get(reference=reference)
    assert f"/admin/bookings/booking/{booking.pk}/change/" in staff.body
    assert "Mairie d'Arras" in staff.body
    assert french.body.split("\n\n")[1] == staff.body.split("\n\n")[1]
    assert "/guide/" in french.body and "/admin/" not in french.body
    assert english.subject.startswith(f"Accessibility: {reference}, visit on ")
    assert "now has 1 person with reduced mobility" in english.body
    assert "no step-free access: Base 11/19." in english.body
    for message in mail.outbox:
        # Nobody's name: neither this group's nor the other group's.
        assert "Léa" not in message.body and "Zed" not in message.body
        assert "Hugo" not in message.body

    # The same list again, or a change that does not raise the count: no e-mail.
    mail.outbox.clear()
    people = answer["participants"]
    _put(api, group, [{**_wheelchair("Léa Dumont"), "id": people[0]["id"]}])
    assert mail.outbox == []
    # A second person in a wheelchair: one more e-mail each, with the new count.
    _put(
        api,
        group,
        [{**_wheelchair("Léa Dumont"), "id": people[0]["id"]}, _wheelchair("Noé")],
    )
    assert len(mail.outbox) == 3
    assert "compte maintenant 2 personnes à mobilité réduite" in _by_recipient()[OFFICE].body
    assert "now has 2 people" in _by_recipient()["sam@example.org"].body


@override_settings(ACCESS_ALERT_EMAIL="")
def test_without_a_staff_address_only_the_guides_are_told(api: Any, group: Any) -> None:
    _put(api, group, [_wheelchair("Léa")])
    assert sorted(_by_recipient()) == ["ines@example.org", "sam@example.org"]


@override_settings(ACCESS_ALERT_EMAIL=OFFICE)
def test_a_self_registered_wheelchair_user_alerts_too(api: Any, group: Any) -> None:
    link = api.post(
        f"/api/v1/bookings/{group['reference']}/registration-link/",
        {},
        format="json",
        HTTP_X_BOOKING_TOKEN=group["token"],
    ).json()
    added = api.post(
        f"/api/v1/bookings/{group['reference']}/registration/",
        _wheelchair("Léa"),
        format="json",
        HTTP_X_REGISTRATION_TOKEN=link["token"],
    )
    assert added.status_code == 201, added.content
    assert len(mail.outbox) == 3


@override_settings(ACCESS_ALERT_EMAIL=OFFICE)
def test_no_email_when_every_site_is_step_free_or_the_write_is_refused(
    api: Any, group: Any
) -> None:
    refused = api.put(
        f"/api/v1/bookings/{group['reference']}/participants/",
        {"participants": [_wheelchair(f"P{n}") for n in range(5)]},  # over the head count
        format="json",
        HTTP_X_BOOKING_TOKEN=group["token"],
    )
    assert refused.status_code == 400
    Site.objects.update(wheelchair_accessible=True)
    _put(api, group, [_wheelchair("Léa")])
    assert mail.outbox == []
