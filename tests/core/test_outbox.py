"""The outbox: consequences recorded with their change, run once after commit, retried."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from core import outbox
from core.models import Consequence, IdempotencyKey
from core.tasks import purge_done_consequences, sweep_consequences

pytestmark = pytest.mark.django_db

calls: list[dict[str, Any]] = []
failures_left = {"n": 0}


@outbox.register("tests.write_a_key")
def write_a_key(*, key: str) -> None:
    """Writes a row, then fails while ``failures_left`` says so (its write is then undone)."""
    IdempotencyKey.objects.create(
        key_hash=key, scope="s", fingerprint="f", expires_at=timezone.now() + timedelta(days=1)
    )
    calls.append({"key": key, "autocommit": transaction.get_autocommit()})
    if failures_left["n"] > 0:
        failures_left["n"] -= 1
        raise RuntimeError("the mail server said no")


@outbox.register("tests.send_out", atomic=False)
def send_out(*, key: str) -> None:
    calls.append({"key": key, "autocommit": transaction.get_autocommit()})


@pytest.fixture(autouse=True)
def _reset() -> None:
    calls.clear()
    failures_left["n"] = 0


def _record(key: str, handler: str = "tests.write_a_key") -> None:
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        outbox.consequence_record(handler=handler, key=key, payload={"key": key})


def test_a_consequence_runs_once_after_its_change_commits() -> None:
    _record("k1")
    _record("k1")  # the same consequence of the same change: recorded and run once
    assert [call["key"] for call in calls] == ["k1"]
    row = Consequence.objects.get()
    assert row.done_at is not None and row.attempts == 1
    assert sweep_consequences.apply().get() == 0  # nothing left to do
    assert IdempotencyKey.objects.filter(key_hash="k1").count() == 1


def test_a_rolled_back_change_leaves_no_consequence() -> None:
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        outbox.consequence_record(handler="tests.write_a_key", key="k2", payload={"key": "k2"})
        1 / 0  # noqa: B018  (the change fails after recording its consequence)
    assert not Consequence.objects.exists()
    assert calls == []


def test_a_failed_consequence_is_undone_then_retried_by_the_sweep_after_its_backoff() -> None:
    failures_left["n"] = 2
    before = timezone.now()
    _record("k3")
    row = Consequence.objects.get()
    assert (row.done_at, row.attempts) == (None, 1)
    assert row.last_error == "RuntimeError: the mail server said no"
    assert row.next_attempt_at >= before + timedelta(minutes=2)
    assert not IdempotencyKey.objects.exists()  # the failed run's write was rolled back
    assert sweep_consequences.apply().get() == 0  # not due yet: nothing tried
    assert len(calls) == 1
    Consequence.objects.update(next_attempt_at=timezone.now())
    assert sweep_consequences.apply().get() == 0  # fails again: waits twice as long
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at >= timezone.now() + timedelta(minutes=3)
    Consequence.objects.update(next_attempt_at=timezone.now())
    assert sweep_consequences.apply().get() == 1
    row.refresh_from_db()
    assert (row.attempts, row.done_at is not None) == (3, True)
    assert IdempotencyKey.objects.filter(key_hash="k3").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_consequence_is_only_recorded_inside_its_change() -> None:
    with pytest.raises(RuntimeError):
        outbox.consequence_record(handler="tests.write_a_key", key="k4", payload={})
    with pytest.raises(KeyError), transaction.atomic():
        outbox.consequence_record(handler="tests.nobody", key="k5", payload={})
    assert not Consequence.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_handler_that_talks_to_the_outside_runs_with_no_transaction_open() -> None:
    with transaction.atomic():
        outbox.consequence_record(handler="tests.send_out", key="k6", payload={"key": "k6"})
    assert calls == [{"key": "k6", "autocommit": True}]
    assert Consequence.objects.get().done_at is not None


def test_done_consequences_are_purged_after_a_month_and_pending_ones_never() -> None:
    failures_left["n"] = 1
    _record("old")
    _record("failing")
    month_ago = timezone.now() - timedelta(days=31)
    Consequence.objects.filter(key="old").update(done_at=month_ago, created_at=month_ago)
    Consequence.objects.filter(key="failing").update(created_at=month_ago)
    _record("recent")
    assert purge_done_consequences.apply().get() == 1
    assert sorted(Consequence.objects.values_list("key", flat=True)) == ["failing", "recent"]
