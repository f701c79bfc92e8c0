"""Gapless numbering: one counter row per series (a year, a series and a year...), locked.

Invoices and quotes are numbered without gaps (French invoice law for the first, the same rule
kept for quotes). The counter row is created at 0 when missing, then locked with
``select_for_update()`` and incremented inside the caller's transaction: a second writer waits
for the first to commit, and a rollback gives the number back with everything else. Each app
keeps its own counter model (a ``core.models.Counter`` with its key fields); this is the one way
to take a number from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

from core.models import Counter


def take_next(
    model: type[Counter],
    *,
    lock: bool = True,
    after_read: Callable[[], None] | None = None,
    **key: Any,
) -> int:
    """The next number of ``model``'s counter row ``key``. ``lock`` and ``after_read`` are
    seams for the numbering race tests' negative control; production code never sets them."""
    if not connection.in_atomic_block:
        raise RuntimeError("a number is taken inside the transaction that uses it")
    manager = model._default_manager
    manager.get_or_create(**key)
    rows = manager.filter(**key)
    row = (rows.select_for_update() if lock else rows).get()
    if after_read is not None:
        after_read()
    row.last_number += 1
    row.save(update_fields=["last_number"])
    return row.last_number
