"""Celery tasks of procurement (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def release_expired_quote_holds() -> int:
    from procurement.services import quotes_release_expired_holds

    return quotes_release_expired_holds()
