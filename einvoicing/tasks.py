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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_daily_summary() -> int:
    """Beat (``einvoicing-daily-summary``, every morning): e-mail staff the deliveries rejected,
    suspended or stuck (einvoicing/summary.py); nothing when there are none."""
    from einvoicing.summary import summary_send

    return summary_send()
