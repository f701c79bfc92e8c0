"""Personal data on the money side (GDPR): Stripe payloads, open money, the group's download.

- ``stripe_payloads_prune``: a Stripe event carries the payer's e-mail, name, phone and address
  (``customer_details``, billing details of charges). Once the office had time to look at it
  (``RETENTION_STRIPE_PAYLOAD_DAYS``), the stored payload is cut down to what reconciliation
  needs: ids, amounts, currency, status, type and our own metadata. The list below is what is
  kept; anything Stripe adds later is dropped by default.
- ``money_open``: registered into ``bookings.retention.erasure_checks``; a booking's contact is
  not erased while a payment is running, a refund is owed or the price is still due.
- ``payments_personal_data``: registered into ``bookings.retention.personal_data_sections``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingStatus
from bookings.retention import ERASURE_MONEY_OPEN, Blocker
from payments.models import Payment, PaymentStatus, Refund, RefundStatus, StripeEvent
from payments.selectors import amount_outstanding

EVENT_KEYS = ("id", "object", "type", "created", "livemode", "api_version")
OBJECT_KEYS = (
    "id",
    "object",
    "type",
    "created",
    "amount",
    "amount_total",
    "amount_subtotal",
    "amount_received",
    "amount_refunded",
    "currency",
    "status",
    "payment_status",
    "refunded",
    "reason",
    "failure_reason",
    "payment_intent",
    "charge",
    "client_reference_id",
    "mode",
)
# Our own metadata (payments.stripe_gateway, payments.refunds): ids, nothing personal.
METADATA_KEYS = ("booking_reference", "payment_id", "refund_id")
PRUNE_BATCH = 500


def _prune_object(obj: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key in OBJECT_KEYS:
        if key in obj:
            value = obj[key]
            # An expanded object (a payment intent, a charge) keeps its id only.
            kept[key] = value.get("id") if isinstance(value, dict) else value
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        kept["metadata"] = {k: metadata[k] for k in METADATA_KEYS if k in metadata}
    refunds = obj.get("refunds")
    if isinstance(refunds, dict):
        rows = refunds.get("data") or []
        kept["refunds"] = {"data": [_prune_object(r) for r in rows if isinstance(r, dict)]}
    return kept


def stripe_payload_pruned(payload: dict[str, Any]) -> dict[str, Any]:
    """The part of a Stripe event that reconciliation needs. Pruning twice changes nothing."""
    event = {key: payload[key] for key in EVENT_KEYS if key in payload}
    data = payload.get("data")
    if isinstance(data, dict) and isinstance(data.get("object"), dict):
        event["data"] = {"object": _prune_object(data["object"])}
    return event


def stripe_payloads_prune(*, now: datetime | None = None) -> int:
    """Prune the payloads received before the retention window; return how many were pruned.

    Each row is written by a conditional update (still unpruned): two workers running at once
    write each row once, and a rerun finds nothing left. No lock is held across rows.
    """
    now = now or timezone.now()
    before = now - timedelta(days=settings.RETENTION_STRIPE_PAYLOAD_DAYS)
    due = StripeEvent.objects.filter(payload_pruned_at__isnull=True, received_at__lte=before)
    count = 0
    while True:
        rows = list(due.order_by("pk").values_list("pk", "payload")[:PRUNE_BATCH])
        if not rows:
            return count
        for pk, payload in rows:
            count += StripeEvent.objects.filter(pk=pk, payload_pruned_at__isnull=True).update(
                payload=stripe_payload_pruned(payload or {}), payload_pruned_at=now
            )


def money_open(booking: Booking) -> Blocker | None:
    """Why money is still open on this booking, or None. Called with the booking row locked."""
    running = Q(status=PaymentStatus.PROCESSING) | Q(
        status=PaymentStatus.PENDING, checkout_expires_at__gt=timezone.now()
    )
    if Payment.objects.filter(running, booking=booking).exists():
        return Blocker(ERASURE_MONEY_OPEN, str(_("A card payment is still in progress.")))
    owed = (RefundStatus.OWED, RefundStatus.PENDING)
    if Refund.objects.filter(payment__booking=booking, status__in=owed).exists():
        return Blocker(ERASURE_MONEY_OPEN, str(_("A refund is still to be paid back to you.")))
    if booking.status == BookingStatus.CONFIRMED and amount_outstanding(booking) > 0:
        return Blocker(ERASURE_MONEY_OPEN, str(_("An amount is still due on this booking.")))
    return None


def payments_personal_data(booking: Booking) -> dict[str, Any]:
    payments = Payment.objects.filter(booking=booking).order_by("created_at", "pk")
    refunds = Refund.objects.filter(payment__booking=booking).order_by("created_at", "pk")
    return {
        "payments": [
            {
                "method": p.method,
                "kind": p.kind,
                "amount_cents": p.amount_cents,
                "currency": p.currency,
                "status": p.status,
                "paid_at": p.paid_at.isoformat() if p.paid_at else None,
                "reference": p.reference,
            }
            for p in payments
        ],
        "refunds": [
            {
                "amount_cents": r.amount_cents,
                "status": r.status,
                "reason": r.reason,
                "created_at": r.created_at.isoformat(),
            }
            for r in refunds
        ],
    }
