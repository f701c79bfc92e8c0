"""The outbox: consequences of a change recorded in its own transaction, carried out after commit.

A change whose consequences must not be lost (a cancellation owes a refund and a credit note, an
issued invoice owes its delivery) records them with ``consequence_record`` inside its
transaction: the row commits with the change, or neither does. After commit a task
(``core.tasks.run_consequence``, dispatched through ``core.tasks.enqueue``, so a broker outage
runs it in the process instead) carries it out with ``consequence_run``. The periodic
``core.tasks.sweep_consequences`` runs every row still due: the process died between the commit
and the task, the broker lost the task, or the handler failed (then it waits 2, 4, 8...
minutes, at most six hours, before the next attempt).

A handler runs in one transaction with the ``done_at`` mark of its row, under that row's lock:
its database writes happen exactly once, even when a task and the sweep pick the same row.
A handler registered with ``atomic=False`` sends something out (an e-mail) and must not hold
a lock while it waits on the outside world: its row is claimed for ``LEASE`` in a short
transaction, the handler runs with no transaction open, and a last one marks it done. A
process dying in between leaves the claim to run out, and the sweep runs it again: at least
once. Either way, after-commit effects (an e-mail, a Stripe call) are at least once, so they
carry their own idempotency (Stripe keys, a PDF stored once).

Core imports no app: the apps register their handlers by name (``register``), in their
``receivers`` module, which every process (web and worker) imports at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.models import Consequence

logger = logging.getLogger(__name__)

Handler = Callable[..., None]
HANDLERS: dict[str, Handler] = {}
NOT_ATOMIC: set[str] = set()  # handlers that run outside a transaction (``atomic=False``)

MAX_BACKOFF = timedelta(hours=6)
# How long a claimed non-atomic consequence is left to its runner before the sweep retries it.
LEASE = timedelta(minutes=10)
# Done rows are kept this long (to answer "was it done, when?"), then purged.
DONE_KEPT = timedelta(days=30)
SWEEP_BATCH = 100


def register(name: str, *, atomic: bool = True) -> Callable[[Handler], Handler]:
    """Register ``handler(**payload)`` under ``name``; the name is stored in outbox rows, so it
    must not change while rows with it may be waiting. ``atomic=False``: see the module's
    docstring (for a handler that talks to the outside world)."""

    def decorate(handler: Handler) -> Handler:
        if HANDLERS.get(name, handler) is not handler:
            raise ValueError(f"Two consequence handlers are named {name!r}")
        HANDLERS[name] = handler
        if not atomic:
            NOT_ATOMIC.add(name)
        return handler

    return decorate


def consequence_record(*, handler: str, key: str, payload: dict[str, Any]) -> Consequence:
    """Record a consequence in the caller's open transaction, and run it once that commits.

    ``key`` identifies this consequence of this change (e.g. ``refund:cancellation:<booking>``):
    a second record with the same key returns the first row and schedules nothing new.
    Raises ``RuntimeError`` outside a transaction (the row would not go with the change).
    """
    if transaction.get_autocommit():
        raise RuntimeError("A consequence is recorded inside the transaction of its change")
    if handler not in HANDLERS:
        raise KeyError(f"No consequence handler is registered as {handler!r}")
    row, created = Consequence.objects.get_or_create(
        key=key, defaults={"handler": handler, "payload": payload}
    )
    if created:
        from core import tasks  # the tasks module imports this one

        row_id = row.pk
        transaction.on_commit(lambda: tasks.enqueue(tasks.run_consequence, row_id))
    return row


def consequence_run(*, consequence_id: int) -> bool:
    """Carry out one consequence if it is still to do and nobody else is running it.

    Locks the outbox row (skipping it when another worker holds it), runs the handler in a
    savepoint, and marks the row done in the same transaction. A handler that raises is rolled
    back; the row records the error and its next attempt. Returns whether it was done now.
    """
    with transaction.atomic():
        row = _claim(consequence_id)
        if row is None:
            return False
        if row.handler in NOT_ATOMIC:
            row.next_attempt_at = timezone.now() + LEASE
            row.save(update_fields=["attempts", "next_attempt_at"])
        else:
            try:
                with transaction.atomic():
                    HANDLERS[row.handler](**row.payload)
            except Exception as exc:  # any failure: recorded on the row, retried later
                return _failed(row, exc)
            return _done(row)
    try:  # claimed for LEASE: no transaction, no lock held while the handler waits outside
        HANDLERS[row.handler](**row.payload)
    except Exception as exc:
        return _failed(row, exc)
    return _done(row)


def _claim(consequence_id: int) -> Consequence | None:
    row = (
        Consequence.objects.select_for_update(skip_locked=True)
        .filter(pk=consequence_id, done_at__isnull=True, next_attempt_at__lte=timezone.now())
        .first()
    )
    if row is not None:
        row.attempts += 1
    return row


def _failed(row: Consequence, exc: Exception) -> bool:
    logger.exception("Consequence %s (%s) failed", row.key, row.handler)
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.next_attempt_at = timezone.now() + _backoff(row.attempts)
    row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    return False


def _done(row: Consequence) -> bool:
    row.done_at = timezone.now()
    row.save(update_fields=["attempts", "done_at"])
    return True


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** min(attempts, 16)), MAX_BACKOFF)


def consequences_sweep(*, limit: int = SWEEP_BATCH) -> int:
    """Run the consequences that are due and not done, oldest first. Returns how many were
    done. Rows a task is running right now are skipped (their lock is held)."""
    due = (
        Consequence.objects.filter(done_at__isnull=True, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(consequence_run(consequence_id=pk) for pk in list(due))


def consequences_purge_done(*, older_than: timedelta = DONE_KEPT) -> int:
    """Delete the rows done before ``older_than`` ago; rows still to do are never purged."""
    deleted, _by_model = Consequence.objects.filter(
        done_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
