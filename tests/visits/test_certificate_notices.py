"""The certificates-ready e-mail (issue 18, item 6): after the visit, the beat issues the
certificates of the people the guide checked in and tells the organiser once, in the booking's
language, with a working link to the booking page; never before the end, never for a group
without a named person present, never twice (runs again, a failed send retried once)."""

# ruff: noqa: F811  (the fixture ``visit`` is imported from test_certificates)
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from bookings.models import Booking
from tests.visits.test_certificates import visit  # noqa: F401
from visits import certificate_notices
from visits.models import Certificate, CertificateNotice, CertificateSource, MessageStatus
from visits.tasks import send_certificate_notices

pytestmark = pytest.mark.django_db


def _run(now: Any = None) -> dict[str, int]:
    mail.outbox.clear()
    return certificate_notices.certificate_notices_send(now)


def test_the_organiser_is_told_once_with_a_link_to_the_page(api: Any, visit: Any) -> None:
    mail.outbox.clear()
    assert send_certificate_notices.apply().get() == {"sent": 1, "failed": 0}
    [message] = mail.outbox
    booking = Booking.objects.get(reference=visit["named"]["reference"])
    assert message.to == [booking.contact_email]
    assert message.subject == f"Vos attestations de présence sont prêtes ({booking.reference})"
    assert "Les attestations de présence des 2 participants pointés présents" in message.body
    assert "dans la partie « Attestations de présence »" in message.body
    # The two people checked in have their certificates, issued by the task.
    issued = Certificate.objects.filter(booking=booking)
    assert issued.count() == 2
    assert set(issued.values_list("issued_by", flat=True)) == {CertificateSource.TASK}
    # The link opens the booking page's certificates with its token.
    token = re.search(r"\?token=([\w-]+)", message.body)
    assert token is not None
    answer = api.get(
        f"/api/v1/bookings/{booking.reference}/certificates/",
        HTTP_X_BOOKING_TOKEN=token.group(1),
    )
    assert answer.status_code == 200, answer.content
    assert len(answer.json()["certificates"]) == 2
    notice = CertificateNotice.objects.get(booking=booking)
    assert (notice.status, notice.attempts, notice.language) == (MessageStatus.SENT, 1, "fr")
    # The group counted without names has no certificate: no e-mail. Runs again: nothing.
    assert _run() == {"sent": 0, "failed": 0}
    assert mail.outbox == []
    assert certificate_notices.certificate_notice_send(booking_id=booking.pk) is False
    assert mail.outbox == []


def test_nothing_before_the_end_of_the_visit_nor_long_after(visit: Any) -> None:
    ends = visit["departure"].ends_at
    assert _run(ends - timedelta(minutes=1)) == {"sent": 0, "failed": 0}
    assert not Certificate.objects.exists()
    assert _run(ends + certificate_notices.NOTICE_WITHIN + timedelta(minutes=1))["sent"] == 0
    assert _run(ends + timedelta(minutes=1))["sent"] == 1


def test_an_english_group_is_told_in_english(visit: Any) -> None:
    Booking.objects.filter(reference=visit["named"]["reference"]).update(language="en")
    _run()
    [message] = mail.outbox
    assert message.subject.startswith("Your certificates of attendance are ready (")
    assert "of the 2 participants the guide checked in are ready" in message.body
    assert 'in the section "Certificates of attendance"' in message.body


def test_a_training_booking_is_told_of_its_certificates_of_completion(visit: Any) -> None:
    Booking.objects.filter(reference=visit["named"]["reference"]).update(training=True)
    _run()
    [message] = mail.outbox
    assert message.subject.startswith("Vos certificats de réalisation sont prêts (")
    assert "« Certificats de réalisation (formation) »" in message.body


def test_a_cancelled_or_anonymised_booking_is_not_told(visit: Any) -> None:
    booking = Booking.objects.get(reference=visit["named"]["reference"])
    Booking.objects.filter(pk=booking.pk).update(anonymised_at=timezone.now())
    assert _run() == {"sent": 0, "failed": 0}
    Booking.objects.filter(pk=booking.pk).update(anonymised_at=None, status="cancelled")
    assert _run() == {"sent": 0, "failed": 0}
    assert not CertificateNotice.objects.exists()


@override_settings(EMAIL_BACKEND="tests.visits.test_certificate_notices.FailingBackend")
def test_a_failed_send_is_recorded_and_tried_again_at_the_next_run(visit: Any) -> None:
    assert _run() == {"sent": 0, "failed": 1}
    notice = CertificateNotice.objects.get()
    assert (notice.status, notice.last_error) == (MessageStatus.FAILED, "ConnectionRefusedError")
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        assert _run() == {"sent": 1, "failed": 0}
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (MessageStatus.SENT, 2)


class FailingBackend:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")


def test_staff_read_the_emails_sent_in_the_admin(visit: Any, admin_client: Any) -> None:
    _run()
    page = admin_client.get("/admin/visits/certificatenotice/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert visit["named"]["reference"] in page.content.decode()
    notice = CertificateNotice.objects.get()
    change = admin_client.get(f"/admin/visits/certificatenotice/{notice.pk}/change/")
    assert change.status_code == 200  # read only: shown, no save button
    assert b'name="_save"' not in change.content
