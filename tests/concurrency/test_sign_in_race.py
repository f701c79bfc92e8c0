""" "My bookings" on PostgreSQL: the same sign-in link opened twice at once (a double click, a
mail scanner and the person) opens one session; the negative control shows two without the
conditional claim."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bookings import signin
from bookings.models import ContactSession
from tests.bookings.helpers import book, bookable_departure
from tests.concurrency.conftest import run_in_threads
from tests.conftest import CommittingAPIClient

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def both_read_the_link_first() -> Iterator[None]:
    """Both requests read the unused link before either claims it."""
    barrier = threading.Barrier(2, timeout=2)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    signin._after_lookup = wait
    try:
        yield
    finally:
        signin._after_lookup = None
        signin._claim_conditionally = True


def _open_twice_at_once() -> list[Any]:
    client = CommittingAPIClient()
    book(client, bookable_departure(), contact={"name": "C", "email": "c@example.org"})
    token = signin.sign_in_link_issue(email="c@example.org")
    with both_read_the_link_first():
        return run_in_threads([lambda: signin.sign_in_link_redeem(token=token)] * 2)


def test_a_link_opened_twice_at_once_opens_one_session() -> None:
    results = _open_twice_at_once()
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1 and refused[0].code == signin.SIGN_IN_LINK_INVALID
    assert ContactSession.objects.count() == 1


def test_negative_control_without_the_conditional_claim_two_sessions_open() -> None:
    signin._claim_conditionally = False
    results = _open_twice_at_once()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert ContactSession.objects.count() == 2
