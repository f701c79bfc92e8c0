"""Scheduled messages on PostgreSQL: two workers (or a task and its retry) sending the same
message at once send it once, recorded once; the negative control, which reads "already
sent?" instead of claiming the unique (booking, rule) row, sends it twice."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core import mail

from tests.concurrency.conftest import run_in_threads
from tests.invoicing.helpers import confirmed_booking
from visits import messages
from visits.models import MessageKind, MessageRule, MessageStatus, SentMessage

pytestmark = pytest.mark.django_db(transaction=True)

DEFAULTS = importlib.import_module("visits.migrations.0002_default_message_rules")


@contextlib.contextmanager
def both_find_it_due_first() -> Iterator[None]:
    """Both workers find the message due before either claims it."""
    barrier = threading.Barrier(2, timeout=5)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    messages._after_due_check = wait
    try:
        yield
    finally:
        messages._after_due_check = None
        messages._claim_with_unique_row = True


def _send_twice_at_once() -> tuple[list[Any], Any]:
    DEFAULTS.create_defaults(apps, None)  # the flush of a transactional test removed them
    booking = confirmed_booking()
    rule = MessageRule.objects.get(itinerary=None, kind=MessageKind.PRACTICAL)
    now = booking.departure.starts_at - timedelta(days=7)
    mail.outbox.clear()

    def send() -> bool:
        return messages.message_send(booking_id=booking.pk, rule_id=rule.pk, now=now)

    with both_find_it_due_first():
        return run_in_threads([send, send]), booking


def test_two_workers_sending_the_same_message_send_it_once() -> None:
    results, booking = _send_twice_at_once()
    assert sorted(results) == [False, True], results
    assert len(mail.outbox) == 1
    record = SentMessage.objects.get(booking=booking)
    assert record.status == MessageStatus.SENT and record.attempts == 1


def test_negative_control_without_the_claim_row_the_message_goes_twice() -> None:
    messages._claim_with_unique_row = False
    results, booking = _send_twice_at_once()
    assert results == [True, True], results
    assert len(mail.outbox) == 2
    assert SentMessage.objects.filter(booking=booking).count() == 1  # the table keeps one row
