"""Celery tasks of the guides app (run eagerly when no broker is configured)."""

from __future__ import annotations

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_guide_email(guide_id: int, departure_id: int, kind: str) -> None:
    from guides.emails import guide_email
    from guides.models import Guide
    from itineraries.models import Departure

    guide = Guide.objects.select_related("user").get(pk=guide_id)
    departure = Departure.objects.select_related("itinerary").get(pk=departure_id)
    message = guide_email(guide=guide, departure=departure, kind=kind)
    if message is not None:
        message.send()
