"""Every public read, staff list and report costs the same number of queries on the demo season
and on the season grown ten times (bench/scale.py builds both; `make bench` measures times)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from bench.scale import ENDPOINTS, grow, paths
from bookings.models import Booking
from invoicing.models import Invoice
from itineraries.models import Departure


def query_counts(data: dict[str, Any]) -> dict[str, int]:
    public = APIClient()
    staff = APIClient()
    staff.force_authenticate(get_user_model().objects.get(pk=data["staff"]))
    counts = {}
    for endpoint in ENDPOINTS:
        client = staff if endpoint.staff else public
        headers = {"X-Booking-Token": data["token"]} if endpoint.token else {}
        path = paths(data)[endpoint.name]
        client.get(path, headers=headers)  # once first: what a process loads once
        cache.clear()  # public reads are cached: count the database's work
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, headers=headers)
        assert response.status_code == 200, (endpoint.name, response.content[:300])
        counts[endpoint.name] = len(queries)
    return counts


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_data(capsys: Any) -> None:
    call_command("load_demo")
    call_command("load_guides_demo")
    small = grow(1)
    assert small["bookings"] == 3 * small["departures"]
    assert small["invoices"] == 2 * small["departures"]
    before = query_counts(small)

    large = grow(10)
    assert large["itineraries"] == 10 * small["itineraries"]
    assert large["departures"] == 10 * small["departures"]
    assert Booking.objects.count() == 10 * small["bookings"]
    assert Invoice.objects.count() == 10 * small["invoices"]
    assert (
        Departure.objects.filter(itinerary__slug__endswith="-x9").count() == (small["departures"])
    )
    assert query_counts(large) == before
