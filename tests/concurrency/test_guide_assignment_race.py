"""Two staff members assign one guide to two overlapping departures at the same moment.

On PostgreSQL the guide row lock (and, behind it, the exclusion constraint) lets exactly one
through. The negative control switches off the lock and the overlap check and drops the
constraint: both requests then succeed, which is the race the guards prevent.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from guides import services
from guides.models import Assignment, Guide
from itineraries.models import Departure
from tests.concurrency.conftest import run_in_threads
from tests.factories import StaffFactory
from tests.guides.helpers import at, departure_at, make_guide

pytestmark = pytest.mark.django_db(transaction=True)

ADD_CONSTRAINT = (
    "ALTER TABLE guides_assignment ADD CONSTRAINT assignment_no_overlap EXCLUDE USING gist "
    "(guide_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)"
)
DROP_CONSTRAINT = "ALTER TABLE guides_assignment DROP CONSTRAINT assignment_no_overlap"


@contextlib.contextmanager
def held_between_check_and_write() -> Iterator[None]:
    """Without the lock both requests reach the barrier and write on the same check; with it the
    second waits on the guide row, the barrier breaks after a second, and they go one by one.
    The barrier can only help the race, never hide it."""
    barrier = threading.Barrier(2, timeout=1)

    def wait() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    services._after_overlap_check = wait
    try:
        yield
    finally:
        services._after_overlap_check = None


@contextlib.contextmanager
def without_exclusion_constraint() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(DROP_CONSTRAINT)
    try:
        yield
    finally:
        Assignment.objects.all().delete()  # the overlapping rows would refuse the constraint
        with connection.cursor() as cursor:
            cursor.execute(ADD_CONSTRAINT)


def _overlapping_departures() -> tuple[Guide, Departure, Departure]:
    guide = make_guide()
    first = departure_at(at(20, 10))  # 10:00-11:30
    second = departure_at(at(20, 11))  # 11:00-12:30
    return guide, first, second


def _assign_both(guide: Guide, departures: list[Departure]) -> list[Any]:
    staff = StaffFactory()

    def assign(departure: Departure) -> Any:
        def run() -> Any:
            client = APIClient()
            client.force_authenticate(staff)
            return client.post(
                f"/api/v1/departures/{departure.pk}/assignments/",
                {"guide": guide.pk, "role": "lead"},
                format="json",
            )

        return run

    with held_between_check_and_write():
        return run_in_threads([assign(departure) for departure in departures])


def _assert_exactly_one_wins(responses: list[Any], guide: Guide) -> None:
    codes = sorted(response.status_code for response in responses)
    assert codes == [201, 409], [r.content for r in responses]
    refused = next(r for r in responses if r.status_code == 409).json()
    assert refused["code"] == services.GUIDE_DOUBLE_BOOKED
    assert refused["errors"][0]["field"] == "guide"
    assert Assignment.objects.filter(guide=guide).count() == 1


def test_one_guide_on_two_overlapping_departures_at_once_exactly_one_succeeds() -> None:
    guide, first, second = _overlapping_departures()
    responses = _assign_both(guide, [first, second])
    _assert_exactly_one_wins(responses, guide)


def test_the_exclusion_constraint_alone_refuses_the_second_writer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lock and check off: the database still refuses, and the API says the same thing."""
    guide, first, second = _overlapping_departures()
    monkeypatch.setattr(services, "_double_booking_guard_enabled", False)
    responses = _assign_both(guide, [first, second])
    _assert_exactly_one_wins(responses, guide)


def test_negative_control_without_lock_check_and_constraint_both_succeed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guide, first, second = _overlapping_departures()
    monkeypatch.setattr(services, "_double_booking_guard_enabled", False)
    with without_exclusion_constraint():
        responses = _assign_both(guide, [first, second])
        assert [r.status_code for r in responses] == [201, 201], [r.content for r in responses]
        a, b = Assignment.objects.filter(guide=guide).order_by("starts_at")
        assert a.ends_at > b.starts_at  # the guide is now in two places at once


def test_a_non_concurrent_write_past_the_checks_is_refused_by_the_constraint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guide, first, second = _overlapping_departures()
    services.assignment_create(departure=first, guide=guide, role="lead", by=None)
    monkeypatch.setattr(services, "_double_booking_guard_enabled", False)
    with pytest.raises(services.Conflict) as refused:
        services.assignment_create(departure=second, guide=guide, role="lead", by=None)
    assert refused.value.code == services.GUIDE_DOUBLE_BOOKED
    assert Assignment.objects.filter(guide=guide).count() == 1
