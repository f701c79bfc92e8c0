"""Fifty invoices issued at once on PostgreSQL: the locked counter gives 1..50, no gap, no
duplicate; without the lock (negative control) two invoices take the same number."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from bookings.models import Booking
from invoicing import services
from invoicing.models import Invoice, InvoiceSequence
from tests.concurrency.conftest import run_in_threads
from tests.invoicing.helpers import confirmed_booking

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 50


@pytest.fixture(autouse=True)
def _no_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF is rendered after commit, outside the numbering: not what is raced here."""
    monkeypatch.setattr(services, "invoice_deliver", lambda invoice_id: None)


@contextlib.contextmanager
def held_between_read_and_write(parties: int) -> Iterator[None]:
    """Without the lock every racer reads the counter, then waits for the others before writing;
    with it they queue on the row lock and the barrier breaks after a second. The barrier can
    only help the race, never hide it."""
    barrier = threading.Barrier(parties, timeout=1)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    services._after_sequence_read = wait
    try:
        yield
    finally:
        services._after_sequence_read = None
        services._lock_sequence = True


def _race(bookings: list[Booking]) -> list[Any]:
    def racer(booking: Booking) -> Any:
        return lambda: services.invoice_issue(booking=booking, kind="full").number

    return run_in_threads([racer(booking) for booking in bookings])


def test_fifty_concurrent_issues_number_one_to_fifty_without_gap_or_duplicate() -> None:
    bookings = [confirmed_booking() for _ in range(RACERS)]
    with held_between_read_and_write(RACERS):
        results = _race(bookings)
    errors = [result for result in results if isinstance(result, Exception)]
    assert not errors, errors
    year = timezone.localdate().year
    assert sorted(results) == [f"F{year}-{n:06d}" for n in range(1, RACERS + 1)]
    assert InvoiceSequence.objects.get(series="F", year=year).last_number == RACERS
    assert Invoice.objects.count() == RACERS


def test_negative_control_without_the_counter_lock_numbers_collide() -> None:
    bookings = [confirmed_booking() for _ in range(10)]
    year = timezone.localdate().year
    InvoiceSequence.objects.create(series="F", year=year)
    services._lock_sequence = False
    with held_between_read_and_write(10):
        results = _race(bookings)
    collisions = [result for result in results if isinstance(result, IntegrityError)]
    numbers = [result for result in results if isinstance(result, str)]
    assert collisions or len(set(numbers)) < len(numbers), results
    # The counter lost updates: it no longer matches the invoices.
    assert InvoiceSequence.objects.get(series="F", year=year).last_number < 10
