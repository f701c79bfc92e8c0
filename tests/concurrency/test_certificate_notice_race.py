"""The certificates-ready e-mail on PostgreSQL: two workers (or the beat's task and its retry)
telling the same organiser at once send one e-mail, recorded once; the negative control, which
reads "already sent?" instead of claiming the one-to-one row, sends two."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from bookings.models import Booking, Participant
from itineraries.models import Departure
from tests.concurrency.conftest import run_in_threads
from tests.guides.helpers import make_guide
from tests.invoicing.helpers import confirmed_booking
from visits import certificate_notices
from visits.models import Certificate, CertificateNotice, CheckIn, MessageStatus

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def both_issue_before_either_claims() -> Iterator[None]:
    barrier = threading.Barrier(2, timeout=5)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    certificate_notices._before_claim = wait
    try:
        yield
    finally:
        certificate_notices._before_claim = None
        certificate_notices._claim_with_unique_row = True


def _visit_over() -> Booking:
    booking = confirmed_booking()
    departure = booking.departure
    starts = timezone.now() - timedelta(hours=3)
    Departure.objects.filter(pk=departure.pk).update(
        starts_at=starts, ends_at=starts + timedelta(minutes=90)
    )
    person = Participant.objects.create(
        booking=booking, name="Léa Dupont", category="pupil", entered_by="organiser"
    )
    CheckIn.objects.create(
        departure=departure,
        booking=booking,
        participant=person,
        at=starts,
        client_id="tick-lea-0001",
        guide=make_guide(),
    )
    return booking


def _tell_twice_at_once() -> tuple[list[Any], Booking]:
    booking = _visit_over()
    mail.outbox.clear()

    def send() -> bool:
        return certificate_notices.certificate_notice_send(booking_id=booking.pk)

    with both_issue_before_either_claims():
        return run_in_threads([send, send]), booking


def test_two_workers_telling_the_same_organiser_send_one_email() -> None:
    results, booking = _tell_twice_at_once()
    assert sorted(results) == [False, True], results
    assert len(mail.outbox) == 1
    notice = CertificateNotice.objects.get(booking=booking)
    assert (notice.status, notice.attempts) == (MessageStatus.SENT, 1)
    assert Certificate.objects.filter(booking=booking).count() == 1


def test_negative_control_without_the_claim_row_the_email_goes_twice() -> None:
    certificate_notices._claim_with_unique_row = False
    results, booking = _tell_twice_at_once()
    assert results == [True, True], results
    assert len(mail.outbox) == 2
    assert CertificateNotice.objects.filter(booking=booking).count() == 1
