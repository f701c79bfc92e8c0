"""Builders for quote tests: a quote body on a bookable departure, staff who may change quotes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission

from itineraries.models import Departure
from tests.bookings.helpers import booking_body
from tests.factories import StaffFactory


def quote_body(target: Departure | None = None, **overrides: Any) -> dict[str, Any]:
    body = booking_body(target)
    for name in ("participants", "payment_method", "notes"):
        body.pop(name)
    body["categories"] = {"pupils": 20, "adults": 1, "staff": 3}
    body["objectives"] = "Comprendre la transition énergétique d'un ancien bassin minier."
    body["commitment_number_follows"] = True
    body.update(overrides)
    return body


def quote_staff(**kwargs: Any) -> Any:
    user = StaffFactory(groups=[], **kwargs)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="procurement", codename__in=["view_quote", "change_quote"]
        )
    )
    return user


def visit_took_place(booking: Any, days_ago: int = 1) -> None:
    """Move the booking's departure into the past: the visit has taken place."""
    from datetime import timedelta

    from django.utils import timezone

    departure = Departure.objects.get(pk=booking.departure_id)
    length = departure.ends_at - departure.starts_at
    starts = timezone.now() - timedelta(days=days_ago)
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)


def certify_service(quote: Any) -> Any:
    """Staff certify the delivered service of an accepted quote (its visit took place)."""
    from procurement.services import quote_certify_service

    return quote_certify_service(quote=quote, user=quote_staff(username="certifier"))
