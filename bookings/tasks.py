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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_sign_in_email(email: str, language: str) -> None:
    """ "My bookings": e-mail a one-time sign-in link, only if a booking has this contact address.

    The request queues this task whatever the address, so its answer and its work are the same
    for a known and an unknown one; the token is issued here, never in the queue."""
    from bookings.signin import sign_in_email

    message = sign_in_email(email=email, language=language)
    if message is not None:
        message.send()


@shared_task
def purge_sign_ins() -> int:
    """Beat: delete the expired "my bookings" sign-in links and sessions."""
    from bookings.signin import sign_ins_purge_expired

    return sign_ins_purge_expired()
