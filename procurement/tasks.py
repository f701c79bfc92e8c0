"""Celery tasks of procurement (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def release_expired_quote_holds() -> int:
    from procurement.services import quotes_release_expired_holds

    return quotes_release_expired_holds()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_quote_email(quote_id: int, kind: str) -> None:
    from procurement.emails import quote_email
    from procurement.models import Quote

    quote_email(Quote.objects.get(pk=quote_id), kind).send()


@shared_task
def send_invoice_reminders() -> int:
    from procurement.reminders import invoice_reminders_send

    return invoice_reminders_send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invoice_reminder(reminder_id: int, as_of: str | None = None) -> None:
    """``as_of``: the ISO day of the run that recorded it, the day the amounts owed are for."""
    from datetime import date

    from procurement.models import InvoiceReminder
    from procurement.reminders import reminder_email

    reminder = InvoiceReminder.objects.select_related("invoice__booking__quote").get(pk=reminder_id)
    day = date.fromisoformat(as_of) if as_of else None
    reminder_email(reminder, as_of=day).send()
