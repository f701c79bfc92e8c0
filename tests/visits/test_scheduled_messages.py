"""Scheduled messages (issue 18, item 3): the default set, each message once and recorded, in
the group's language, late bookings and cancelled ones, rules per itinerary, failures retried,
and the beat task that runs them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from bookings.models import Booking
from itineraries.models import Departure
from tests.factories import StaffFactory
from tests.guides.helpers import assign, make_guide
from tests.invoicing.helpers import cancel, confirmed_booking, pdf_text
from visits import messages
from visits.models import MessageKind, MessageRule, MessageStatus, SentMessage
from visits.tasks import send_scheduled_messages

pytestmark = pytest.mark.django_db


def _booking(days: int = 40, language: str = "fr") -> Booking:
    booking = confirmed_booking(itinerary={"days": days})
    if language != "fr":  # an English visit: its departure and its group
        Departure.objects.filter(pk=booking.departure_id).update(language=language)
        Booking.objects.filter(pk=booking.pk).update(language=language)
    return Booking.objects.get(pk=booking.pk)


def _at(booking: Booking, days_before: float) -> datetime:
    """The moment ``days_before`` days before the visit (negative: after it)."""
    return booking.departure.starts_at - timedelta(days=days_before)


def _run(now: datetime) -> dict[str, int]:
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return messages.scheduled_messages_send(now)


def _kinds(booking: Booking) -> list[str]:
    rows = SentMessage.objects.filter(booking=booking, status=MessageStatus.SENT)
    return sorted(rows.values_list("rule__kind", flat=True))


def test_the_default_set_is_in_place() -> None:
    rules = MessageRule.objects.filter(itinerary=None)
    assert sorted((r.kind, r.days, r.timing) for r in rules) == [
        ("guide", 2, "before"),
        ("head_count", 30, "before"),
        ("practical", 7, "before"),
        ("thanks", 1, "after"),
    ]
    assert "bottes" in rules.get(kind="practical").text_fr
    assert "boots" in rules.get(kind="practical").text_en


def test_the_30_day_message_goes_once_with_the_head_count_and_the_group_link() -> None:
    booking = _booking()
    assert _run(_at(booking, 31)) == {"sent": 0, "failed": 0}  # not yet
    assert _run(_at(booking, 30) + timedelta(minutes=5)) == {"sent": 1, "failed": 0}
    [message] = mail.outbox
    assert message.to == ["claire@example.org"]
    assert message.subject.startswith("Votre visite du")
    assert "effectif définitif" in message.subject
    assert "Effectif réservé : 18 participants. Liste nommée : 0 sur 18." in message.body
    assert f"/bookings/{booking.reference}?token=" in message.body
    # Recorded, and never again: the next runs, and a retry of the same pair, send nothing.
    record = SentMessage.objects.get(booking=booking)
    assert record.status == MessageStatus.SENT and record.language == "fr" and record.sent_at
    assert _run(_at(booking, 30) + timedelta(hours=1)) == {"sent": 0, "failed": 0}
    rule = MessageRule.objects.get(itinerary=None, kind=MessageKind.HEAD_COUNT)
    assert not messages.message_send(
        booking_id=booking.pk, rule_id=rule.pk, now=_at(booking, 30) + timedelta(hours=2)
    )
    assert mail.outbox == []


def test_the_7_day_message_in_english_has_the_map_programme_kit_lock_date_and_pdf() -> None:
    booking = _booking(language="en")
    _run(_at(booking, 7))
    [message] = mail.outbox
    assert message.subject.startswith("Your visit on") and "kit" in message.subject
    body = message.body
    assert "https://www.openstreetmap.org/?mlat=50.443200&mlon=2.788500" in body
    assert "Programme:\n- " in body
    assert "boots for the slag heap" in body
    assert "locks on" in body and f"/bookings/{booking.reference}/visit?token=" in body
    [(name, pdf, kind)] = message.attachments
    assert kind == "application/pdf" and name == f"{booking.reference}-programme.pdf"
    assert booking.reference in pdf_text(pdf)
    assert SentMessage.objects.get(booking=booking).language == "en"


def test_the_2_day_message_names_the_guide_and_their_phone() -> None:
    booking = _booking()
    guide = make_guide(display_name="Aïcha Benali", phone="+33 6 98 76 54 32")
    assign(booking.departure, guide)
    _run(_at(booking, 2))
    [message] = mail.outbox
    assert "Votre guide :\n- Aïcha Benali, +33 6 98 76 54 32" in message.body


def test_the_day_after_thanks_and_a_late_run_within_the_grace_still_sends() -> None:
    booking = _booking()
    _run(_at(booking, -1) + timedelta(hours=30))  # the beat was down for a day
    [message] = mail.outbox
    assert message.subject.startswith("Merci pour votre visite")
    assert "répondez simplement à ce courriel" in message.body
    assert _kinds(booking) == ["thanks"]


def test_a_message_past_its_grace_is_not_sent() -> None:
    booking = _booking()
    assert _run(_at(booking, -1) + messages.SEND_GRACE + timedelta(minutes=1))["sent"] == 0


def test_a_walk_through_the_whole_season_sends_each_message_once() -> None:
    booking = _booking()
    moments = [_at(booking, d) for d in (35, 30, 29.5, 20, 7, 6.9, 2, 1.5, 0.1, -1, -1.2, -3)]
    sent = []
    for now in moments:
        _run(now)
        sent += [m.subject for m in mail.outbox]
    assert len(sent) == 4 and _kinds(booking) == ["guide", "head_count", "practical", "thanks"]


def test_a_late_booking_gets_only_the_messages_still_ahead() -> None:
    booking = _booking(days=5)  # booked five days before the visit
    for days in (30, 7, 2, -1):
        _run(_at(booking, days))
    assert _kinds(booking) == ["guide", "thanks"]


def test_a_cancelled_booking_gets_none() -> None:
    booking = _booking()
    cancel(booking, full_refund=True)
    for days in (30, 7, 2, -1):
        assert _run(_at(booking, days))["sent"] == 0
    assert not SentMessage.objects.filter(booking=booking).exists()


def test_an_itinerarys_own_rule_replaces_the_default_of_its_kind_and_can_silence_it() -> None:
    booking = _booking()
    itinerary = booking.departure.itinerary
    MessageRule.objects.create(
        itinerary=itinerary,
        kind=MessageKind.PRACTICAL,
        days=10,
        timing="before",
        text_fr="Casque fourni pour la plateforme solaire.",
    )
    MessageRule.objects.create(
        itinerary=itinerary, kind=MessageKind.THANKS, days=1, timing="after", is_active=False
    )
    assert _run(_at(booking, 7))["sent"] == 0  # the default 7-day one does not apply
    _run(_at(booking, 10))
    [message] = mail.outbox
    assert "Casque fourni" in message.body and "bottes" not in message.body
    assert _run(_at(booking, -1))["sent"] == 0  # silenced
    # Another itinerary keeps the default set.
    other = _booking()
    assert _run(_at(other, 7))["sent"] == 1


def test_a_failed_send_is_recorded_and_tried_again_at_the_next_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    booking = _booking()

    def refuse(self: Any, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    assert _run(_at(booking, 30)) == {"sent": 0, "failed": 1}
    record = SentMessage.objects.get(booking=booking)
    assert record.status == MessageStatus.FAILED and record.last_error == "ConnectionRefusedError"
    monkeypatch.undo()
    assert _run(_at(booking, 30) + timedelta(minutes=15)) == {"sent": 1, "failed": 0}
    record.refresh_from_db()
    assert record.status == MessageStatus.SENT and record.attempts == 2


def test_an_abandoned_claim_is_taken_over_after_its_time() -> None:
    booking = _booking()
    rule = MessageRule.objects.get(itinerary=None, kind=MessageKind.HEAD_COUNT)
    now = _at(booking, 30)
    SentMessage.objects.create(
        booking=booking,
        rule=rule,
        status=MessageStatus.SENDING,
        language="fr",
        attempts=1,
        claimed_until=now + timedelta(minutes=messages.CLAIM_MINUTES),
    )
    assert _run(now + timedelta(minutes=1))["sent"] == 0  # another worker is on it
    assert _run(now + timedelta(minutes=messages.CLAIM_MINUTES + 1))["sent"] == 1


def test_the_beat_runs_the_task() -> None:
    entries = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "visits.tasks.send_scheduled_messages" in entries
    booking = _booking(days=5)
    # The visit starts in two days less an hour: the 2-day message fell due an hour ago.
    starts = timezone.now() + timedelta(days=2, hours=-1)
    departure = booking.departure
    length = departure.ends_at - departure.starts_at
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)
    Booking.objects.filter(pk=booking.pk).update(created_at=starts - timedelta(days=5))
    mail.outbox.clear()
    assert send_scheduled_messages.delay().get() == {"sent": 1, "failed": 0}
    assert _kinds(booking) == ["guide"]


def test_staff_edit_the_rules_in_the_admin_in_french(admin_client: Any) -> None:
    StaffFactory(username="office")
    page = admin_client.get("/admin/visits/messagerule/", HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Règles des messages" in html and "Ensemble par défaut" in html
    rule = MessageRule.objects.get(itinerary=None, kind=MessageKind.PRACTICAL)
    form = admin_client.get(
        f"/admin/visits/messagerule/{rule.pk}/change/", HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Texte ajouté au message" in form and "bottes" in form


def test_the_day_after_has_no_survey_link_when_none_is_set() -> None:
    booking = _booking()
    _run(_at(booking, -1))
    [message] = mail.outbox
    assert "Votre avis" not in message.body


def test_the_day_after_carries_the_survey_link_when_one_is_set(settings: Any) -> None:
    settings.VISIT_SURVEY_URL = "https://enquete.example.org/visites"
    booking = _booking()
    _run(_at(booking, -1))
    [message] = mail.outbox
    expected = "Votre avis nous aide à améliorer nos visites : https://enquete.example.org/visites"
    assert expected in message.body
