"""Where an invoice went and how it stands, in the answers of the apps below (their points):

- ``BOOKING_INVOICE_DELIVERIES`` (``bookings.booking_answer_parts``): the booking's invoices
  and credit notes with their channel and status, for the group's page (``invoice_deliveries``);
- ``INVOICE_DELIVERY`` (``invoicing.invoice_answer_parts``): an invoice's delivery for staff
  (``delivery``: identifiers at the portal, attempts, last error, the whole history).

Neither bookings nor invoicing imports einvoicing: ``einvoicing.apps`` registers both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from rest_framework import serializers

from core.serializers import AnswerPart, ComputedField
from einvoicing.models import Delivery, DeliveryChannel, DeliveryStatus

# Statuses whose reason the portal gives (a rejection's, a suspension's): shown with them.
WITH_REASON = (DeliveryStatus.REJECTED, DeliveryStatus.SUSPENDED)


def _reason(delivery: Delivery) -> str:
    if delivery.status not in WITH_REASON:
        return ""
    for step in reversed(delivery.history):
        if step.get("status") == delivery.status:
            return str(step.get("reason") or "")
    return delivery.last_error


def group_view(delivery: Delivery) -> dict[str, Any]:
    """What the group sees of one delivery: no identifiers, no technical error."""
    invoice = delivery.invoice
    return {
        "invoice": invoice.number,
        "kind": invoice.kind,
        "issue_date": invoice.issue_date.isoformat(),
        "channel": delivery.channel,
        "status": delivery.status,
        "reason": _reason(delivery),
        "since": delivery.status_changed_at.isoformat() if delivery.status_changed_at else None,
    }


def staff_view(delivery: Delivery) -> dict[str, Any]:
    return {
        "channel": delivery.channel,
        "status": delivery.status,
        "reason": _reason(delivery),
        "since": delivery.status_changed_at.isoformat() if delivery.status_changed_at else None,
        "attempts": delivery.attempts,
        "flux_number": delivery.flux_number,
        "portal_invoice_id": delivery.portal_invoice_id,
        "structure_id": delivery.structure_id,
        "last_error": delivery.last_error,
        "history": delivery.history,
    }


# --- The booking's answer ---------------------------------------------------------------------


def with_delivery_flag(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Whether the booking has any delivery, in the list's own query: a booking without one
    (every booking while Chorus Pro is off) costs no query."""
    return queryset.annotate(
        has_invoice_deliveries=Exists(Delivery.objects.filter(invoice__booking=OuterRef("pk")))
    )


def _booking_deliveries(booking: Any, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    if not getattr(booking, "has_invoice_deliveries", True):
        return []
    deliveries = (
        Delivery.objects.filter(invoice__booking=booking)
        .select_related("invoice")
        .order_by("invoice__issue_date", "invoice__pk")
    )
    return [group_view(delivery) for delivery in deliveries]


class GroupDeliverySerializer(serializers.Serializer[Any]):
    invoice = serializers.CharField()
    kind = serializers.CharField()
    issue_date = serializers.DateField()
    channel = serializers.ChoiceField(choices=DeliveryChannel.choices)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    reason = serializers.CharField(allow_blank=True)
    since = serializers.DateTimeField(allow_null=True)


BOOKING_INVOICE_DELIVERIES = AnswerPart(
    fields={
        "invoice_deliveries": ComputedField(
            _booking_deliveries, schema=GroupDeliverySerializer(many=True)
        )
    },
    annotate=with_delivery_flag,
)


# --- The invoice's answer (staff) -------------------------------------------------------------


def _invoice_delivery(invoice: Any, context: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        delivery = invoice.delivery
    except Delivery.DoesNotExist:
        return None
    return staff_view(delivery)


class StaffDeliverySerializer(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=DeliveryChannel.choices)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    reason = serializers.CharField(allow_blank=True)
    since = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    flux_number = serializers.CharField(allow_blank=True)
    portal_invoice_id = serializers.CharField(allow_blank=True)
    structure_id = serializers.CharField(allow_blank=True)
    last_error = serializers.CharField(allow_blank=True)
    history = serializers.ListField(child=serializers.DictField())


INVOICE_DELIVERY = AnswerPart(
    fields={
        "delivery": ComputedField(
            _invoice_delivery, schema=StaffDeliverySerializer(allow_null=True)
        )
    },
    annotate=lambda queryset: queryset.select_related("delivery"),
)
