"""Celery tasks of the resources app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_contribution_confirmation(contribution_id: int) -> None:
    """E-mail a resident the links that confirm and withdraw their contribution (issued here)."""
    from resources.contributions import confirmation_email

    message = confirmation_email(contribution_id=contribution_id)
    if message is not None:
        message.send()
