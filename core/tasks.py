"""Periodic housekeeping with no domain knowledge."""

import logging
from typing import Any

from celery import shared_task
from kombu.exceptions import OperationalError

from core.idempotency import idempotency_key_purge_expired

logger = logging.getLogger(__name__)


@shared_task
def purge_idempotency_keys() -> int:
    """Delete expired idempotency keys; return how many were deleted."""
    return idempotency_key_purge_expired()


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
