"""Date-time filters take any offset Python accepts (found by the schema fuzzer on PostgreSQL).

Python's UTC offsets run to ±23:59, PostgreSQL's to ±15:59: a ``to=...-21:00`` passed through as
given made PostgreSQL refuse the query, a 500. The filters compare in UTC.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.bookings.helpers import bookable_departure
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bound", ["from", "to"])
def test_departures_filter_on_a_far_utc_offset(api: APIClient, bound: str) -> None:
    bookable_departure()
    far = api.get("/api/v1/departures/", {bound: "2026-08-07T16:04:35-21:00"})
    assert far.status_code == 200, far.content


def test_staff_bookings_filter_on_a_far_utc_offset(staff_api: APIClient) -> None:
    answer = staff_api.get("/api/v1/bookings/", {"from": "1367-08-07T16:04:35.45-21:00"})
    assert answer.status_code == 200, answer.content


def test_an_instant_before_year_one_in_utc_is_a_validation_error(api: APIClient) -> None:
    answer = api.get("/api/v1/departures/", {"from": "0001-01-01T00:00:00+05:00"})
    assert_problem(answer, 400, "validation_error", "from")
