"""Celery tasks of the visits app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def send_scheduled_messages() -> dict[str, int]:
    """Beat: send every scheduled message now due, each once (visits.messages)."""
    from visits.messages import scheduled_messages_send

    return scheduled_messages_send()
