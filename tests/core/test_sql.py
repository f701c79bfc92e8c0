"""A queryset compiled once per thread answers as the ORM does."""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

from core.sql import CompiledQuery
from itineraries.models import Departure
from tests.bookings.helpers import bookable_departure, booking_body

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[True, False], ids=["compiled", "orm"])
def compiled(request: pytest.FixtureRequest, settings: Any) -> bool:
    """Each test so marked runs with the compiled path and with the setting that turns it off."""
    settings.COMPILED_QUERIES = request.param
    return bool(request.param)


def with_itinerary(pk: int, *, lock: bool = False) -> QuerySet[Departure]:
    qs = Departure.objects.select_related("itinerary").filter(pk=pk).order_by()
    return qs.select_for_update(of=("self",)) if lock else qs


def row(instance: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(instance).items() if k != "_state"}


def test_the_row_and_its_relation_are_the_orm_s(compiled: bool) -> None:
    departure = bookable_departure()
    query = CompiledQuery(with_itinerary, Departure._meta.pk)
    for _ in range(2):  # compiled, then reused
        got = query.get(departure.pk)
        assert got is not None
        expected = with_itinerary(departure.pk).get()
        assert row(got) == row(expected)
        assert "itinerary" in got._state.fields_cache  # no query to reach it
        assert row(got.itinerary) == row(expected.itinerary)
        assert got._state.adding is False and got._state.db == "default"


def test_compiled_once_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    departure = bookable_departure()
    compiled = 0
    original = SQLCompiler.as_sql

    def counting(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        nonlocal compiled
        compiled += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    query = CompiledQuery(with_itinerary, Departure._meta.pk)
    for _ in range(3):
        assert query.get(departure.pk) is not None
    assert compiled == 1
    other: list[Any] = []
    thread = threading.Thread(target=lambda: other.append(query._compiled("default")))
    thread.start()
    thread.join()
    assert other[0] is not query._compiled("default")


def test_no_row_and_out_of_range_values_give_none(
    compiled: bool, django_assert_num_queries: Any
) -> None:
    departure = bookable_departure()
    query = CompiledQuery(with_itinerary, Departure._meta.pk)
    assert query.get(departure.pk + 1000) is None
    with django_assert_num_queries(0):
        assert query.get(2**63) is None
        assert query.get(-(2**63) - 1) is None


@pytest.mark.django_db(transaction=True)
def test_a_lock_needs_a_transaction(compiled: bool) -> None:
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite takes no row lock")
    departure = bookable_departure()
    query = CompiledQuery(partial(with_itinerary, lock=True), Departure._meta.pk)
    with pytest.raises(TransactionManagementError):
        query.get(departure.pk)
    with transaction.atomic():
        assert query.get(departure.pk) is not None
    with pytest.raises(TransactionManagementError):  # compiled now, and still refused
        query.get(departure.pk)


def test_a_queryset_without_the_value_is_refused() -> None:
    query = CompiledQuery(lambda pk: Departure.objects.filter(pk=1), Departure._meta.pk)
    with pytest.raises(ValueError, match="sentinel"):
        query.get(1)


def test_a_departure_id_beyond_any_row_is_a_plain_400(compiled: bool, api: Any) -> None:
    bookable_departure()
    for departure in (10**6, 2**63, 10**30):
        response = api.post("/api/v1/bookings/", booking_body(departure=departure), format="json")
        assert response.status_code == 400, response.content
        assert response.json()["errors"][0]["field"] == "departure"


def test_with_the_setting_off_every_call_compiles(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.COMPILED_QUERIES = False
    departure = bookable_departure()
    compiled = 0
    original = SQLCompiler.as_sql

    def counting(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        nonlocal compiled
        compiled += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    query = CompiledQuery(with_itinerary, Departure._meta.pk)
    for _ in range(3):
        assert query.get(departure.pk) is not None
    assert compiled == 3
    assert not query._local.__dict__  # nothing kept
