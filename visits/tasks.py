"""Celery tasks of the visits app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def send_scheduled_messages() -> dict[str, int]:
    """Beat: send every scheduled message now due, each once (visits.messages)."""
    from visits.messages import scheduled_messages_send

    return scheduled_messages_send()


@shared_task
def decide_departures() -> dict[str, int]:
    """Beat: confirm or cancel the public departures whose go/no-go time has come."""
    from visits.go_no_go import departures_decide

    return departures_decide()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_go_no_go_email(booking_id: int, outcome: str) -> None:
    """Tell a group that its departure goes ahead, or why it was cancelled (visits.emails)."""
    from bookings.models import Booking
    from visits.emails import go_no_go_email

    booking = Booking.objects.select_related("departure__itinerary").get(pk=booking_id)
    if not booking.contact_email:
        return  # anonymised: nobody left to write to
    go_no_go_email(booking, outcome).send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_access_alert(event_id: int, recipient: int) -> None:
    """Tell staff (recipient 0) or a guide that a group needs step-free access where a site
    lacks it (visits.access_alerts)."""
    from visits.access_alerts import access_alert_email

    message = access_alert_email(event_id=event_id, recipient=recipient)
    if message is not None:
        message.send()


@shared_task
def send_certificate_notices() -> dict[str, int]:
    """Beat: issue the certificates of the visits just over and tell each organiser once
    (visits.certificate_notices)."""
    from visits.certificate_notices import certificate_notices_send

    return certificate_notices_send()
