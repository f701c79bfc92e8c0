"""Stripe webhooks: record each event once, then dispatch it by type to a payments service.

The event row and the handler's effects are written in one transaction: a database error rolls
both back and the view answers 5xx, so Stripe delivers the event again; nothing is half written.
A handler returns ``processed`` or ``ignored`` (not about one of our payments, nothing to do),
or raises ``EventRefused`` when the event contradicts our records (another amount, currency or
session, an object without id): the event is then stored as ``failed`` and nothing is applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from core.errors import DomainError
from payments import errors, refunds, services
from payments.models import Payment, PaymentMethod, PaymentStatus, StripeEvent, StripeEventStatus

logger = logging.getLogger(__name__)

PROCESSED = StripeEventStatus.PROCESSED
IGNORED = StripeEventStatus.IGNORED


class EventRefused(DomainError):
    """A verified event that contradicts our records. It is stored as ``failed`` with the
    reason, nothing of it is applied, and the office is alerted (an ERROR log line and the
    admin's list of failed events): a valid signature says who sent it, not that it is right.
    """


def _object_id(obj: dict[str, Any]) -> str:
    """The object's own id. Without one, a lookup by ``None`` would match every row whose id is
    still empty (``IS NULL``): a payment whose session never opened, a refund not yet sent."""
    object_id = obj.get("id")
    if not isinstance(object_id, str) or not object_id:
        raise EventRefused(
            errors.OBJECT_WITHOUT_ID, f"The {obj.get('object') or 'event'} object has no id."
        )
    return object_id


def _check_paid_amount(session: dict[str, Any], payment: Payment) -> None:
    """What Stripe says was paid must be what the payment asked for, in its currency."""
    total, currency = session.get("amount_total"), session.get("currency")
    if type(total) is not int or total != payment.amount_cents:
        raise EventRefused(
            errors.AMOUNT_MISMATCH,
            f"Session {session.get('id')} paid {total!r} cents; "
            f"payment {payment.pk} asked for {payment.amount_cents}.",
        )
    if not isinstance(currency, str) or currency.upper() != payment.currency.upper():
        raise EventRefused(
            errors.CURRENCY_MISMATCH,
            f"Session {session.get('id')} was paid in {currency!r}; "
            f"payment {payment.pk} is in {payment.currency}.",
        )


def _session_payment(session: dict[str, Any]) -> Payment | None:
    """Our payment for a Checkout Session: by session id, else by the ids in its metadata."""
    payment = Payment.objects.filter(stripe_checkout_session_id=_object_id(session)).first()
    if payment is not None:
        return payment
    metadata = session.get("metadata") or {}
    payment_id = str(metadata.get("payment_id", ""))
    if not payment_id.isdigit():
        return None
    payment = Payment.objects.filter(
        pk=int(payment_id),
        method=PaymentMethod.CARD,
        booking__reference=metadata.get("booking_reference"),
    ).first()
    # The metadata finds a payment whose session id is not stored yet (the event came before
    # our own update); a payment that already has another session is not this session's.
    if payment is not None and payment.stripe_checkout_session_id not in (None, session["id"]):
        raise EventRefused(
            errors.SESSION_MISMATCH,
            f"Session {session['id']} names payment {payment.pk}, which is "
            f"session {payment.stripe_checkout_session_id}.",
        )
    return payment


def _intent_payment(payment_intent: Any, metadata: dict[str, Any] | None = None) -> Payment | None:
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    if payment_intent:
        payment = Payment.objects.filter(stripe_payment_intent_id=payment_intent).first()
        if payment is not None:
            return payment
    payment_id = str((metadata or {}).get("payment_id", ""))
    if payment_id.isdigit():
        return Payment.objects.filter(pk=int(payment_id), method=PaymentMethod.CARD).first()
    return None


def _intent_id(obj: dict[str, Any]) -> str | None:
    intent = obj.get("payment_intent")
    return intent.get("id") if isinstance(intent, dict) else intent


def session_completed(session: dict[str, Any]) -> str:
    """Fulfil only a paid session; an asynchronous method (SEPA debit) is still processing."""
    payment = _session_payment(session)
    if payment is None:
        return IGNORED
    if session.get("payment_status") == "paid":
        return session_paid(session)
    if session.get("payment_status") == "unpaid":
        services.payment_mark(
            payment=payment,
            status=PaymentStatus.PROCESSING,
            session_id=session.get("id"),
            payment_intent=_intent_id(session),
        )
        return PROCESSED
    return IGNORED


def session_paid(session: dict[str, Any]) -> str:
    payment = _session_payment(session)
    if payment is None:
        return IGNORED
    _check_paid_amount(session, payment)
    services.payment_succeed(
        payment=payment, session_id=session.get("id"), payment_intent=_intent_id(session)
    )
    return PROCESSED


def _session_closed(status: str) -> Callable[[dict[str, Any]], str]:
    def handle(session: dict[str, Any]) -> str:
        payment = _session_payment(session)
        if payment is None:
            return IGNORED
        services.payment_mark(
            payment=payment,
            status=status,
            reason=f"checkout session {status}",
            session_id=session.get("id"),
            payment_intent=_intent_id(session),
        )
        return PROCESSED

    return handle


def charge_refunded(charge: dict[str, Any]) -> str:
    payment = _intent_payment(charge.get("payment_intent"), charge.get("metadata"))
    if payment is None:
        return IGNORED
    for refund_object in (charge.get("refunds") or {}).get("data") or []:
        _object_id(refund_object)
        refunds.refund_from_stripe(payment=payment, refund_object=refund_object)
    refunds.refund_reconcile_charge(
        payment=payment, amount_refunded=int(charge.get("amount_refunded") or 0)
    )
    return PROCESSED


def refund_changed(refund_object: dict[str, Any]) -> str:
    payment = _intent_payment(refund_object.get("payment_intent"), refund_object.get("metadata"))
    if payment is None:
        return IGNORED
    _object_id(refund_object)
    refunds.refund_from_stripe(payment=payment, refund_object=refund_object)
    return PROCESSED


def dispute_created(dispute: dict[str, Any]) -> str:
    payment = _intent_payment(dispute.get("payment_intent"))
    if payment is None:
        return IGNORED
    services.payment_mark_disputed(payment=payment)
    return PROCESSED


HANDLERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "checkout.session.completed": session_completed,
    "checkout.session.async_payment_succeeded": session_paid,
    "checkout.session.async_payment_failed": _session_closed(PaymentStatus.FAILED),
    "checkout.session.expired": _session_closed(PaymentStatus.EXPIRED),
    "charge.refunded": charge_refunded,
    "refund.updated": refund_changed,
    "refund.failed": refund_changed,
    "charge.dispute.created": dispute_created,
}


def stripe_event_receive(*, event: dict[str, Any]) -> StripeEvent | None:
    """Record a verified event and apply it, in one transaction. None: already received.

    A domain refusal (say, a refund the payment no longer covers) is recorded as ``failed``
    with its message, for the office to look at; any other error propagates (5xx, retried).
    """
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                stripe_id=event["id"],
                type=event["type"],
                payload=event,
                status=StripeEventStatus.PROCESSED,
            )
            handler = HANDLERS.get(event["type"])
            if handler is None:
                record.status = StripeEventStatus.IGNORED
            else:
                try:
                    with transaction.atomic():
                        record.status = handler(event["data"]["object"])
                except EventRefused as exc:
                    # No payload in the log: it holds the payer's e-mail and name.
                    logger.error(
                        "Stripe event %s (%s) refused, check it: %s",
                        event["id"],
                        event["type"],
                        f"{exc.code}: {exc.message}",
                    )
                    record.status = StripeEventStatus.FAILED
                    record.error = f"{exc.code}: {exc.message}"
                except DomainError as exc:
                    logger.warning("Stripe event %s refused: %s", event["id"], exc)
                    record.status = StripeEventStatus.FAILED
                    record.error = f"{exc.code}: {exc.message}"
            record.save(update_fields=["status", "error"])
            return record
    except IntegrityError:
        if StripeEvent.objects.filter(stripe_id=event["id"]).exists():
            return None
        raise
