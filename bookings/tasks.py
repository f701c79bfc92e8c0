"""Celery tasks of the bookings app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_booking_email(booking_id: int, kind: str) -> None:
    from bookings.emails import booking_email
    from bookings.models import Booking

    booking = Booking.objects.select_related("departure__itinerary__meeting_site").get(
        pk=booking_id
    )
    if not booking.contact_email:
        return  # anonymised (bookings.retention): nobody left to write to
    booking_email(booking, kind).send()


@shared_task
def expire_holds() -> int:
    from bookings.services import bookings_expire_holds

    return bookings_expire_holds()


@shared_task
def apply_retention() -> dict[str, int]:
    """Anonymise the contacts past their retention (docs/operations.md); idempotent."""
    from bookings.retention import bookings_apply_retention

    run = bookings_apply_retention()
    return {"anonymised": run.anonymised, "deferred": run.deferred}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_erasure_request_notice(booking_id: int) -> None:
    """Tell the office that a group asked for erasure: the GDPR gives it one month to act."""
    from bookings.retention import erasure_request_notice

    erasure_request_notice(booking_id).send()
