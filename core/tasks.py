"""Periodic housekeeping with no domain knowledge."""

from celery import shared_task

from core.idempotency import idempotency_key_purge_expired


@shared_task
def purge_idempotency_keys() -> int:
    """Delete expired idempotency keys; return how many were deleted."""
    return idempotency_key_purge_expired()
