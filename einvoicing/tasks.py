"""Periodic following of deposited invoices, and the admin's retry."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task
def follow_deliveries() -> dict[str, Any]:
    """Beat (backend/settings.py ``follow-einvoice-deliveries``): the statuses of deposited
    invoices at Chorus Pro; portal errors put each check off with backoff; stuck ones logged."""
    from einvoicing.services import deliveries_follow

    return deliveries_follow()


@shared_task
def retry_delivery(delivery_id: int) -> None:
    """Deliver again a delivery whose attempts failed (the admin's retry action)."""
    from einvoicing.services import delivery_retry

    delivery_retry(delivery_id=delivery_id)
