"""Celery tasks of the payments app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_late_payment_email(booking_id: int, amount_cents: int) -> None:
    from bookings.models import Booking
    from payments.emails import late_payment_email

    booking = Booking.objects.select_related("departure__itinerary").get(pk=booking_id)
    if not booking.contact_email:
        return  # anonymised (bookings.retention): nobody left to write to
    late_payment_email(booking, amount_cents).send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_payment_received_email(booking_id: int, amount_cents: int) -> None:
    from bookings.models import Booking
    from payments.emails import payment_received_email

    booking = Booking.objects.select_related("departure__itinerary").get(pk=booking_id)
    if not booking.contact_email:
        return  # anonymised (bookings.retention): nobody left to write to
    payment_received_email(booking, amount_cents).send()


@shared_task
def execute_refund(refund_id: int) -> None:
    """Send a pending card refund to Stripe; on failure it stays pending for ``retry_refunds``."""
    from payments.refunds import refund_execute

    refund_execute(refund_id=refund_id)


@shared_task
def retry_refunds() -> int:
    from payments.refunds import refunds_retry

    return refunds_retry()


@shared_task
def prune_stripe_payloads() -> int:
    """Cut old Stripe payloads down to what reconciliation needs (docs/operations.md)."""
    from payments.retention import stripe_payloads_prune

    return stripe_payloads_prune()
