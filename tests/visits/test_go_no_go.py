"""Minimum group size and go/no-go of public departures (issue 18, item 4): the catalogue and
the availability say how many more participants a departure needs and when it is decided; at
that time it is confirmed (groups told) or cancelled through the one departure-cancel service
(full refunds and credit notes, groups told why, with other dates); staff may confirm earlier."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import TestCase

from bookings.models import Booking, BookingStatus
from invoicing.models import Invoice, InvoiceKind
from itineraries.models import Departure, DepartureStatus, Itinerary
from payments.models import Refund, RefundReason
from tests.bookings.helpers import book, bookable_departure
from tests.factories import schedule
from tests.fakes.stripe_server import FakeStripe
from tests.payments.helpers import only_payment, pay
from visits import go_no_go
from visits.tasks import decide_departures

pytestmark = pytest.mark.django_db


def _with_minimum(departure: Departure, minimum: int = 20, days: int = 7) -> Departure:
    Itinerary.objects.filter(pk=departure.itinerary_id).update(
        departure_minimum=minimum, decision_days=days
    )
    return Departure.objects.select_related("itinerary").get(pk=departure.pk)


def _decide(departure: Departure, after_decision: timedelta = timedelta(minutes=5)) -> Any:
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return go_no_go.departures_decide(departure.starts_at - timedelta(days=7) + after_decision)


def test_the_catalogue_and_availability_say_how_many_more_a_departure_needs(api: Any) -> None:
    departure = _with_minimum(bookable_departure(days=20), minimum=20)
    book(api, departure, participants=12)
    listed = api.get(f"/api/v1/departures/?itinerary={departure.itinerary.slug}").json()
    [row] = listed["results"]
    decision = departure.starts_at - timedelta(days=7)
    assert row["seats_left"] == 18
    assert row["go_no_go"]["minimum_participants"] == 20
    assert row["go_no_go"]["participants_needed"] == 8
    assert row["go_no_go"]["confirmed"] is False
    from django.utils.dateparse import parse_datetime

    assert parse_datetime(row["go_no_go"]["decision_at"]) == decision
    local = departure.starts_at.date()
    answer = api.get(
        f"/api/v1/itineraries/{departure.itinerary.slug}/availability/",
        {"from": (local - timedelta(days=1)).isoformat(), "to": local.isoformat()},
    ).json()
    [slot] = [d for day in answer["days"] for d in day["departures"]]
    assert slot["go_no_go"]["participants_needed"] == 8
    assert parse_datetime(slot["go_no_go"]["decision_at"].replace("Z", "+00:00")) == decision


def test_without_a_minimum_or_for_a_private_date_there_is_nothing_to_decide(api: Any) -> None:
    departure = bookable_departure(days=20)
    [row] = api.get("/api/v1/departures/").json()["results"]
    assert row["go_no_go"] is None
    assert _decide(departure) == {"confirmed": 0, "cancelled": 0, "failed": 0}
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.SCHEDULED


def test_nothing_is_decided_before_the_decision_time(api: Any) -> None:
    departure = _with_minimum(bookable_departure(days=20))
    book(api, departure, participants=5)
    assert _decide(departure, after_decision=-timedelta(minutes=5))["cancelled"] == 0
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.SCHEDULED


def test_a_departure_short_of_its_minimum_is_cancelled_refunded_credited_and_groups_told(
    api: Any, stripe_fake: FakeStripe
) -> None:
    departure = _with_minimum(bookable_departure(days=20), minimum=20)
    body = book(api, departure, payment_method="card", billing={}, participants=12).json()
    pay(api, stripe_fake, only_payment(body["reference"]))
    # Another public departure of the same itinerary, with seats: offered in the e-mail.
    later = schedule(departure.itinerary, days=34, capacity=30)
    paid = Booking.objects.get(reference=body["reference"]).amount_paid_cents
    assert paid > 0 and Invoice.objects.filter(booking__reference=body["reference"]).exists()

    assert _decide(departure) == {"confirmed": 0, "cancelled": 1, "failed": 0}

    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.CANCELLED
    booking = Booking.objects.get(reference=body["reference"])
    assert booking.status == BookingStatus.CANCELLED
    event = booking.events.get(action="cancelled")
    assert (event.data["refund_percent"], event.data["refund_cents"]) == (100, paid)
    assert event.data["reason"] == go_no_go.REASON
    refund = Refund.objects.get(reason=RefundReason.CANCELLATION)
    assert refund.amount_cents == paid
    note = Invoice.objects.get(booking=booking, kind=InvoiceKind.CREDIT_NOTE)
    assert abs(note.total_incl_vat_cents) == paid
    subjects = [message.subject for message in mail.outbox]
    assert any("annulée" in subject for subject in subjects), subjects  # bookings' own e-mail
    [why] = [m for m in mail.outbox if "nombre minimal de participants" in m.subject]
    assert "les 20 participants nécessaires" in why.body
    from core.dates import format_datetime

    assert f"- {format_datetime(later.starts_at, 'fr')}" in why.body
    assert f"/itineraries/{departure.itinerary.slug}" in why.body
    # Decided once: a second run changes nothing and writes to nobody.
    assert _decide(departure) == {"confirmed": 0, "cancelled": 0, "failed": 0}
    assert mail.outbox == []


def test_a_departure_that_reached_its_minimum_is_confirmed_and_its_groups_told(
    api: Any,
) -> None:
    departure = _with_minimum(bookable_departure(days=20), minimum=20)
    first = book(api, departure, participants=12).json()
    book(api, departure, participants=8, language="fr")
    Booking.objects.update(status=BookingStatus.CONFIRMED, hold_expires_at=None)
    assert _decide(departure) == {"confirmed": 1, "cancelled": 0, "failed": 0}
    confirmed = Departure.objects.get(pk=departure.pk)
    assert confirmed.status == DepartureStatus.SCHEDULED and confirmed.go_confirmed_at
    assert len(mail.outbox) == 2
    assert all(m.subject.endswith("est maintenue") for m in mail.outbox)
    assert any(first["reference"] in m.body for m in mail.outbox)
    [row] = api.get("/api/v1/departures/").json()["results"]
    assert row["go_no_go"]["confirmed"] is True and row["go_no_go"]["participants_needed"] == 0
    assert _decide(departure) == {"confirmed": 0, "cancelled": 0, "failed": 0}
    assert mail.outbox == []


def test_staff_confirm_a_departure_early_in_the_admin_and_it_is_never_cancelled(
    api: Any, admin_client: Any
) -> None:
    departure = _with_minimum(bookable_departure(days=20), minimum=20)
    Departure.objects.filter(pk=departure.pk).update(language="en")
    assert book(api, departure, participants=6, language="en").status_code == 201
    listing = admin_client.get("/admin/itineraries/departure/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Minimum 20, décision le" in listing.content.decode()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(
            "/admin/itineraries/departure/",
            {"action": "confirm_go", "_selected_action": [departure.pk]},
            follow=True,
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    shown = [str(message) for message in response.context["messages"]]
    assert any("1 départ confirmé" in message for message in shown), shown
    [message] = mail.outbox
    assert message.subject.endswith("goes ahead")
    assert _decide(departure) == {"confirmed": 0, "cancelled": 0, "failed": 0}
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.SCHEDULED


def test_the_beat_declares_and_runs_the_decision_task(settings: Any) -> None:
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "visits.tasks.decide_departures" in entries
    assert decide_departures.delay().get() == {"confirmed": 0, "cancelled": 0, "failed": 0}


def test_a_departure_long_past_its_decision_time_is_left_to_staff(api: Any) -> None:
    """A minimum set on an itinerary today does not cancel at once every short departure of
    the coming days: only those whose decision time has just come are decided."""
    departure = _with_minimum(bookable_departure(days=20))
    book(api, departure, participants=5)
    late = go_no_go.DECISION_GRACE + timedelta(minutes=1)
    assert _decide(departure, after_decision=late)["cancelled"] == 0
    assert Departure.objects.get(pk=departure.pk).status == DepartureStatus.SCHEDULED


def test_staff_confirm_early_through_the_api_idempotently(api: Any, staff_api: Any) -> None:
    departure = _with_minimum(bookable_departure(days=20))
    book(api, departure, participants=4)
    mail.outbox.clear()
    url = f"/api/v1/departures/{departure.pk}/go-ahead/"
    first = staff_api.post(url)
    assert first.status_code == 200, first.content
    assert first.json()["go_no_go"]["confirmed"] is True
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.endswith("est maintenue")
    assert staff_api.post(url).status_code == 200 and len(mail.outbox) == 1  # told once
    from itineraries.services import departure_cancel
    from tests.conftest import assert_problem

    other = _with_minimum(bookable_departure(days=25, slug="autre"))
    departure_cancel(departure=other)
    assert_problem(
        staff_api.post(f"/api/v1/departures/{other.pk}/go-ahead/"), 409, "departure_cancelled"
    )
