"""Refunds: on cancellation, for late or excess payments, by staff; reconciled from Stripe.

Lock order: departure, booking, payment (``services._lock``), then the refund row. Under the
payment lock a refund reserves its amount on ``Payment.refunded_cents`` (a check constraint keeps
it within the payment), so two refunds can never give back more than was paid. Card refunds
are sent to Stripe after commit with the idempotency key ``refund:<refund id>``; a refund whose
call failed stays ``pending`` without a Stripe id and is sent again by ``refunds_retry``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Booking
from bookings.selectors import refundable_cents
from core.errors import Conflict, InvalidInput
from core.money import format_money_for_reader
from core.tasks import enqueue
from payments import errors, signals, stripe_gateway, tasks
from payments.models import (
    REFUND_STATUS_RANK,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundReason,
    RefundStatus,
)
from payments.selectors import PAYABLE_STATUSES
from payments.services import SYSTEM, Actor, _lock, audit, sync_amount_paid

logger = logging.getLogger(__name__)

# Stripe's refund statuses, as ours.
STRIPE_REFUND_STATUS = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


def refund_create(
    *,
    payment: Payment,
    amount_cents: int,
    reason: str,
    actor: Actor,
    locked: bool = False,
    stripe_id: str | None = None,
) -> Refund:
    """Give back part or all of a succeeded payment: via Stripe for a card, else owed by staff.

    Takes the departure, booking and payment locks (``locked=True``: the caller holds them).
    ``stripe_id``: a refund Stripe already made (in the dashboard), recorded without a call.
    Raises InvalidInput (amount not positive or beyond what remains refundable) or Conflict.
    """
    if locked:
        return _refund_create(payment, amount_cents, reason, actor, stripe_id)
    with transaction.atomic():
        _booking, row = _lock(payment.booking_id, payment.pk)
        assert row is not None
        return _refund_create(row, amount_cents, reason, actor, stripe_id)


def _refund_create(
    payment: Payment, amount_cents: int, reason: str, actor: Actor, stripe_id: str | None = None
) -> Refund:
    if amount_cents <= 0:
        raise InvalidInput(
            errors.AMOUNT_NOT_POSITIVE, _("The amount must be positive."), field="amount_cents"
        )
    if payment.status != PaymentStatus.SUCCEEDED:
        raise Conflict(
            errors.PAYMENT_NOT_REFUNDABLE,
            _("Only a received payment can be refunded."),
            field="payment",
        )
    refundable = payment.amount_cents - payment.refunded_cents
    if amount_cents > refundable:
        raise InvalidInput(
            errors.REFUND_EXCEEDS_PAYMENT,
            _("Only %(left)s of this payment can still be refunded.")
            % {"left": format_money_for_reader(refundable)},
            field="amount_cents",
            extra={"refundable_cents": refundable},
        )
    card = payment.method == PaymentMethod.CARD
    refund = Refund.objects.create(
        payment=payment,
        amount_cents=amount_cents,
        status=RefundStatus.PENDING if card else RefundStatus.OWED,
        reason=reason,
        stripe_refund_id=stripe_id,
    )
    payment.refunded_cents += amount_cents
    payment.save(update_fields=["refunded_cents", "updated_at"])
    audit(
        payment.booking,
        actor,
        "refund_created",
        refund=refund.pk,
        amount_cents=amount_cents,
        reason=reason,
    )
    if card and stripe_id is None:
        # The pending row is the durable record: a lost task is sent again by refunds_retry.
        refund_id = refund.pk
        transaction.on_commit(lambda: enqueue(tasks.execute_refund, refund_id))
    return refund


def refunds_for_cancellation(*, booking_id: int, refund_cents: int) -> list[Refund]:
    """The refund a cancellation grants, spread over the booking's payments, newest first.

    Locks departure, booking and each payment. Idempotent: a booking refunded for its
    cancellation once is not refunded again.
    """
    with transaction.atomic():
        booking, _payment = _lock(booking_id)
        if (
            refund_cents <= 0
            or Refund.objects.filter(
                payment__booking=booking, reason=RefundReason.CANCELLATION
            ).exists()
        ):
            return []
        # The amount was computed on ``refundable_cents`` under the same lock when cancelling;
        # the same base caps it here, should a refund have moved since.
        return _spread(
            booking, min(refund_cents, refundable_cents(booking)), RefundReason.CANCELLATION
        )


def refunds_for_excess(*, booking_id: int) -> list[Refund]:
    """What was paid beyond the price, given back (``overpayment``), newest payment first.

    After a card payment, and after a change of head count: for fewer participants invoicing
    credits the same difference on the final or full invoice (docs/invoicing.md). Only the
    excess not already being refunded is refunded, so a repeat refunds nothing. Locks
    departure, booking and each payment (a no-op re-lock when the caller holds them).
    """
    with transaction.atomic():
        booking, _payment = _lock(booking_id)
        if booking.status not in PAYABLE_STATUSES:
            return []
        excess = refundable_cents(booking) - booking.total_cents
        return _spread(booking, excess, RefundReason.OVERPAYMENT)


def _spread(booking: Booking, amount_cents: int, reason: str) -> list[Refund]:
    """Refund ``amount_cents`` over the booking's succeeded payments, newest first, as far as
    each can still be refunded. Expects the booking locked; locks each payment."""
    created: list[Refund] = []
    if amount_cents <= 0:
        return created
    remaining = amount_cents
    payments = (
        Payment.objects.select_for_update()
        .filter(booking=booking, status=PaymentStatus.SUCCEEDED)
        .order_by("-paid_at", "-pk")
    )
    for payment in payments:
        share = min(remaining, payment.amount_cents - payment.refunded_cents)
        if share <= 0:
            continue
        created.append(_refund_create(payment, share, reason, SYSTEM))
        remaining -= share
        if remaining == 0:
            break
    return created


def refund_execute(*, refund_id: int) -> Refund:
    """Send a pending card refund to Stripe (no transaction open), then record its answer.

    A Stripe error leaves it pending, to be sent again with the same idempotency key.
    """
    refund = Refund.objects.select_related("payment__booking").get(pk=refund_id)
    if refund.stripe_refund_id or refund.status != RefundStatus.PENDING:
        return refund
    payment = refund.payment
    if not payment.stripe_payment_intent_id:
        logger.error("Refund %s: payment %s has no PaymentIntent", refund.pk, payment.pk)
        return refund
    try:
        answer = stripe_gateway.create_refund(
            idempotency_key=f"refund:{refund.pk}",
            payment_intent=payment.stripe_payment_intent_id,
            amount_cents=refund.amount_cents,
            metadata={
                "refund_id": str(refund.pk),
                "payment_id": str(payment.pk),
                "booking_reference": payment.booking.reference,
            },
        )
    except stripe_gateway.StripeUnavailable as exc:
        logger.warning("Stripe refund %s failed, will retry: %s", refund.pk, exc)
        return refund
    return refund_apply_stripe(refund=refund, stripe_id=answer.id, stripe_status=answer.status)


def refunds_retry(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Send again the card refunds that Stripe never acknowledged. Returns how many were tried."""
    due = Refund.objects.filter(
        status=RefundStatus.PENDING,
        stripe_refund_id__isnull=True,
        created_at__lte=timezone.now() - older_than,
    ).values_list("pk", flat=True)
    count = 0
    for refund_id in list(due):
        refund_execute(refund_id=refund_id)
        count += 1
    return count


@transaction.atomic
def refund_apply_stripe(
    *, refund: Refund, stripe_id: str | None, stripe_status: str, failure_reason: str = ""
) -> Refund:
    """Record what Stripe says of a refund, moving only forward. Idempotent.

    Locks departure, booking, payment, then the refund. A refund that succeeds lowers what the
    booking has paid; one that fails after succeeding raises it again and frees the amount.
    """
    booking, payment = _lock(refund.payment.booking_id, refund.payment_id)
    assert payment is not None
    locked = Refund.objects.select_for_update().get(pk=refund.pk)
    if stripe_id and not locked.stripe_refund_id:
        locked.stripe_refund_id = stripe_id
    target = STRIPE_REFUND_STATUS.get(stripe_status, RefundStatus.PENDING)
    before = locked.status
    if REFUND_STATUS_RANK[target] > REFUND_STATUS_RANK[before]:
        locked.status = target
        locked.failure_reason = failure_reason[:255]
        if target == RefundStatus.SUCCEEDED:
            locked.succeeded_at = timezone.now()
        else:  # failed or cancelled: the amount is ours again, and may be refunded anew
            payment.refunded_cents -= locked.amount_cents
            payment.save(update_fields=["refunded_cents", "updated_at"])
    locked.save()
    if locked.status != before:
        sync_amount_paid(booking)
        audit(
            booking,
            SYSTEM,
            f"refund_{locked.status}",
            refund=locked.pk,
            amount_cents=locked.amount_cents,
        )
        if locked.status == RefundStatus.SUCCEEDED:
            _announce_refund(locked)
    return locked


@transaction.atomic
def refund_mark_paid(*, refund: Refund, actor: Actor) -> Refund:
    """Staff paid an owed refund back (transfer, cheque). Locks as ``refund_apply_stripe``."""
    booking, _payment = _lock(refund.payment.booking_id, refund.payment_id)
    locked = Refund.objects.select_for_update().get(pk=refund.pk)
    if locked.status == RefundStatus.SUCCEEDED:
        return locked
    if locked.status != RefundStatus.OWED:
        raise Conflict(
            errors.REFUND_NOT_OWED,
            _("Only a refund owed offline can be marked as paid."),
            field="status",
        )
    locked.status = RefundStatus.SUCCEEDED
    locked.succeeded_at = timezone.now()
    locked.save()
    sync_amount_paid(booking)
    audit(booking, actor, "refund_succeeded", refund=locked.pk, amount_cents=locked.amount_cents)
    _announce_refund(locked)
    return locked


@transaction.atomic
def refund_reconcile_charge(*, payment: Payment, amount_refunded: int) -> list[Refund]:
    """``charge.refunded`` gives the charge's refunded total: our pending refunds it covers
    (oldest first) have succeeded. A refund made elsewhere is recorded from its own event.
    Locks departure, booking and payment.
    """
    _lock(payment.booking_id, payment.pk)
    succeeded = sum(r.amount_cents for r in payment.refunds.filter(status=RefundStatus.SUCCEEDED))
    covered = amount_refunded - succeeded
    done = []
    for refund in payment.refunds.filter(status=RefundStatus.PENDING).order_by("pk"):
        if refund.amount_cents > covered:
            break
        done.append(refund_apply_stripe(refund=refund, stripe_id=None, stripe_status="succeeded"))
        covered -= refund.amount_cents
    return done


def refund_from_stripe(*, payment: Payment, refund_object: dict[str, Any]) -> Refund | None:
    """A refund event: ours (found by id or by our metadata), or one made in the dashboard,
    which is recorded as an ``external`` refund if the payment still covers it.
    """
    stripe_id = refund_object.get("id")
    metadata = refund_object.get("metadata") or {}
    refund = Refund.objects.filter(stripe_refund_id=stripe_id).first()
    if refund is None and str(metadata.get("refund_id", "")).isdigit():
        refund = Refund.objects.filter(pk=int(metadata["refund_id"]), payment=payment).first()
    status = str(refund_object.get("status") or "pending")
    reason = str(refund_object.get("failure_reason") or "")
    if refund is None:
        amount = int(refund_object.get("amount") or 0)
        if status != "succeeded" or amount <= 0:
            return None
        refund = refund_create(
            payment=payment,
            amount_cents=amount,
            reason=RefundReason.EXTERNAL,
            actor=SYSTEM,
            stripe_id=stripe_id,
        )
    return refund_apply_stripe(
        refund=refund, stripe_id=stripe_id, stripe_status=status, failure_reason=reason
    )


def _announce_refund(refund: Refund) -> None:
    transaction.on_commit(lambda: signals.refund_succeeded.send(sender=Refund, refund=refund))
