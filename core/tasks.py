"""Task dispatch, the outbox's tasks and periodic housekeeping, with no domain knowledge."""

import logging
from typing import Any

from celery import shared_task
from kombu.exceptions import OperationalError

from core import outbox
from core.idempotency import idempotency_key_purge_expired

logger = logging.getLogger(__name__)


@shared_task
def purge_idempotency_keys() -> int:
    """Delete expired idempotency keys; return how many were deleted."""
    return idempotency_key_purge_expired()


@shared_task
def run_consequence(consequence_id: int) -> bool:
    """Carry out one recorded consequence (``core.outbox``); a failure is recorded on its row and
    retried by ``sweep_consequences``, so this task itself never retries."""
    return outbox.consequence_run(consequence_id=consequence_id)


@shared_task
def sweep_consequences() -> int:
    """Beat: run the consequences still due (the process died, the task was lost, or failed)."""
    return outbox.consequences_sweep()


@shared_task
def purge_done_consequences() -> int:
    """Beat: forget the consequences done a month ago."""
    return outbox.consequences_purge_done()


def enqueue(task: Any, *args: Any) -> None:
    """Queue a task; if the broker cannot take it, run it here and now instead.

    Used for the side effects of a committed change (e-mails, documents): the change is already
    saved, so a broker outage must neither turn the answer into an error nor lose the effect.
    """
    try:
        task.apply_async(args=args, retry=True)
    except (OperationalError, ConnectionError, OSError, TimeoutError):
        logger.warning("broker unavailable: running %s in the request", task.name)
        task.apply(args=args)
