"""Writes to payments: Checkout, webhook outcomes, offline payments. Refunds: ``payments.refunds``.

Lock order, the same as every booking service: the departure row, then the booking row, then
the payment row (``_lock``). ``Booking.amount_paid_cents`` is recomputed from the rows under the
booking lock (``sync_amount_paid``), never incremented, so a replayed event cannot count twice.
No Stripe call runs inside a transaction: the row is written and committed first, Stripe is
called, and its answer is recorded in a new short transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import services as booking_services
from bookings.inputs import BookingRequest
from bookings.invalidation import booking_written
from bookings.models import Booking, BookingEvent, BookingStatus
from bookings.models import PaymentMethod as BookingPaymentMethod
from bookings.placement import StepResult
from core.errors import Conflict, DomainError, InvalidInput
from core.money import format_money_for_reader, percent_of
from core.tasks import enqueue
from payments import errors, selectors, signals, stripe_gateway
from payments.models import (
    PAYMENT_STATUS_RANK,
    Payment,
    PaymentKind,
    PaymentMethod,
    PaymentStatus,
    RefundReason,
)

logger = logging.getLogger(__name__)

# Stripe refuses a session that expires sooner than 30 minutes or later than 24 hours after its
# creation; the margins cover the time the request takes to reach Stripe.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=31)
CHECKOUT_MAX_LIFETIME = timedelta(hours=24) - timedelta(minutes=1)


# The Checkout line of a partial payment, in the booking's language (French or English).
LINE_LABELS: dict[str, dict[str, str]] = {
    PaymentKind.DEPOSIT: {"fr": "Acompte", "en": "Deposit"},
    PaymentKind.BALANCE: {"fr": "Solde", "en": "Balance"},
}


# Who moved the money, as in the bookings audit trail.
Actor = booking_services.Actor
SYSTEM = Actor.system()

# Test-only switch for the negative control of the race tests; never changed in production.
_row_locks_enabled: bool = True
# Test-only seam: called between reading what is due and writing the payment, so that a race
# test can hold concurrent payments there and show what the row locks prevent.
_after_due_check: Callable[[], None] | None = None


def _lock(booking_id: int, payment_id: int | None = None) -> tuple[Booking, Payment | None]:
    """Lock the departure and the booking (``bookings.services.lock_booking``, the one order of
    every app), then, if given, the payment."""
    if not _row_locks_enabled:  # the negative control of the race tests: no lock at all
        booking = Booking.objects.select_related("departure__itinerary").get(pk=booking_id)
        return booking, None if payment_id is None else Payment.objects.get(pk=payment_id)
    booking = booking_services.lock_booking(booking_id=booking_id)
    payment = None
    if payment_id is not None:
        payment = Payment.objects.select_for_update().get(pk=payment_id)
    return booking, payment


def audit(booking: Booking, actor: Actor, action: str, **data: Any) -> None:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    BookingEvent.objects.create(
        booking=booking, actor_kind=actor.kind, actor=user, action=action, data=data
    )


def sync_amount_paid(booking: Booking) -> None:
    """Set ``amount_paid_cents`` from the rows. Expects the booking row locked."""
    paid = selectors.booking_paid_cents(booking.pk)
    if paid != booking.amount_paid_cents:
        booking.amount_paid_cents = paid
        booking.save(update_fields=["amount_paid_cents", "updated_at"])
        booking_written(booking)


def _announce_payment(payment: Payment) -> None:
    """Inside the payment's transaction: its invoice is recorded now, issued after commit."""
    signals.payment_succeeded_in_transaction.send(sender=Payment, payment=payment)
    transaction.on_commit(lambda: signals.payment_succeeded.send(sender=Payment, payment=payment))


# --- Card: Checkout -------------------------------------------------------------------------


def payment_checkout(*, booking: Booking) -> Payment:
    """A Checkout Session for what is due now: an open one is reused, else a new one is opened.

    The payment row is written and committed first (no lock is held while Stripe is called),
    then the session's id and URL are stored. Raises InvalidInput (card payments disabled),
    Conflict (nothing due, booking not payable) and DomainError 503
    ``payment_provider_unavailable``, in which case the booking is unchanged and payable later.
    """
    payment, reused = _checkout_prepare(booking_id=booking.pk)
    if reused:
        return payment
    return _checkout_open(payment)


def check_card_payments_enabled() -> None:
    if not stripe_gateway.card_payments_enabled():
        raise InvalidInput(
            errors.CARD_PAYMENTS_DISABLED,
            _("Card payment is not available; please choose payment by invoice."),
            field="payment_method",
        )


def placement_check_card(request: BookingRequest) -> None:
    """Registered into ``bookings.placement.placement_checks``: a card booking is refused
    before anything is written when card payment is off."""
    if request.payment_method == BookingPaymentMethod.CARD:
        check_card_payments_enabled()


def placement_open_checkout(booking: Booking) -> StepResult:
    """Registered into ``bookings.placement.placement_steps``: a card booking awaiting payment
    gets its Checkout Session for what is due now. If Stripe cannot be reached the booking
    stands, and the answer says why it has no Checkout URL (``checkout_error``)."""
    if booking.status != BookingStatus.PENDING_PAYMENT:
        return StepResult()
    try:
        payment_checkout(booking=booking)
    except DomainError as exc:
        if exc.status != 503:
            raise
        return StepResult(
            answer={"checkout_error": {"code": exc.code, "message": str(exc.message)}},
            changed=True,
        )
    return StepResult(changed=True)


@transaction.atomic
def _checkout_prepare(*, booking_id: int) -> tuple[Payment, bool]:
    """Locks departure and booking; writes the pending payment (or finds the open one)."""
    check_card_payments_enabled()
    booking, _payment = _lock(booking_id)
    _check_payable_by_card(booking)
    due = selectors.amount_due_now(booking)
    if due.amount_cents <= 0:
        raise Conflict(errors.NOTHING_DUE, _("Nothing is due on this booking."), field="status")
    current = selectors.open_checkout(booking)
    if current is not None and current.amount_cents == due.amount_cents:
        return current, True
    # Sessions that never opened (Stripe down) or are about to close are abandoned: a new one,
    # with a new idempotency key, replaces them. A late payment on one is still recorded.
    Payment.objects.filter(
        booking=booking, method=PaymentMethod.CARD, status=PaymentStatus.PENDING
    ).update(status=PaymentStatus.FAILED, failure_reason="replaced by a new Checkout Session")
    attempt = (
        Payment.objects.filter(booking=booking).aggregate(last=Max("attempt"))["last"] or 0
    ) + 1
    now = timezone.now()
    hold = booking.hold_expires_at if booking.status == BookingStatus.PENDING_PAYMENT else None
    expires_at = min(
        max(hold or now + CHECKOUT_MAX_LIFETIME, now + CHECKOUT_MIN_LIFETIME),
        now + CHECKOUT_MAX_LIFETIME,
    )
    payment = Payment.objects.create(
        booking=booking,
        method=PaymentMethod.CARD,
        kind=due.kind,
        amount_cents=due.amount_cents,
        status=PaymentStatus.PENDING,
        attempt=attempt,
        checkout_expires_at=expires_at,
    )
    return payment, False


def _check_payable_by_card(booking: Booking) -> None:
    if booking.payment_method != BookingPaymentMethod.CARD:
        raise Conflict(
            errors.NOT_A_CARD_BOOKING,
            _("This booking is paid by invoice."),
            field="payment_method",
        )
    if not selectors.payable_by_card_now(booking):
        raise Conflict(
            errors.BOOKING_NOT_PAYABLE,
            _("This booking can no longer be paid."),
            field="status",
            extra={"current_status": booking.status},
        )


def _checkout_open(payment: Payment) -> Payment:
    """Call Stripe (no transaction open here), then record the session on the payment."""
    booking = Booking.objects.select_related("departure__itinerary").get(pk=payment.booking_id)
    assert payment.checkout_expires_at is not None
    try:
        session = stripe_gateway.create_checkout_session(
            idempotency_key=f"checkout:{booking.reference}:{payment.attempt}",
            reference=booking.reference,
            payment_id=payment.pk,
            line_items=_line_items(booking, payment),
            customer_email=booking.contact_email,
            locale=booking.correspondence_language,
            expires_at=payment.checkout_expires_at,
        )
    except stripe_gateway.StripeUnavailable as exc:
        logger.warning("Stripe Checkout failed for %s: %s", booking.reference, exc)
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED, failure_reason=str(exc)[:255]
        )
        raise DomainError(
            errors.PAYMENT_PROVIDER_UNAVAILABLE,
            _("The payment service is unavailable; your booking is kept, please try again."),
            field=None,
            status=503,
            extra={"reference": booking.reference},
        ) from exc
    # One statement, no lock held while waiting: a webhook may already have moved the payment on.
    Payment.objects.filter(pk=payment.pk).update(
        stripe_checkout_session_id=session.id, checkout_url=session.url
    )
    payment.refresh_from_db()
    return payment


def _line_items(booking: Booking, payment: Payment) -> list[dict[str, Any]]:
    """EUR lines, VAT included: the price snapshot's lines for a full payment, else one line."""
    title = booking.departure.itinerary.title
    if payment.kind != PaymentKind.FULL:
        label = LINE_LABELS[payment.kind][booking.correspondence_language]
        return [_item(f"{label} — {title} — {booking.reference}", payment.amount_cents)]
    lines = booking.price["lines"]
    amounts = [
        line["total_excl_vat_cents"]
        + percent_of(line["total_excl_vat_cents"], Decimal(line["vat_rate"]))
        for line in lines
    ]
    # VAT is rounded per rate total on the invoice: the last line takes the cent of difference.
    amounts[-1] += payment.amount_cents - sum(amounts)
    items = [
        _item(f"{line['label']} x {line['quantity']}", amount)
        for line, amount in zip(lines, amounts, strict=True)
        if amount > 0
    ]
    return items


def _item(name: str, amount_cents: int) -> dict[str, Any]:
    return {
        "quantity": 1,
        "price_data": {
            "currency": "eur",
            "unit_amount": amount_cents,
            "product_data": {"name": name[:250]},
        },
    }


# --- Card: outcomes from the webhooks -------------------------------------------------------


@transaction.atomic
def payment_succeed(
    *, payment: Payment, session_id: str | None, payment_intent: str | None
) -> Payment:
    """Money received for a card payment. Idempotent; wins over any other status.

    Locks departure, booking, payment. A pending booking is confirmed; if its seats are gone
    (hold expired and sold out), or the booking is cancelled or expired, the payment is
    refunded in full after commit and the group told. Money beyond the price is refunded.
    """
    booking, locked = _lock(payment.booking_id, payment.pk)
    assert locked is not None
    _store_stripe_ids(locked, session_id, payment_intent)
    if locked.status == PaymentStatus.SUCCEEDED:
        locked.save()
        return locked
    locked.status = PaymentStatus.SUCCEEDED
    locked.paid_at = timezone.now()
    locked.failure_reason = ""
    locked.save()
    sync_amount_paid(booking)
    audit(booking, SYSTEM, "payment_received", payment=locked.pk, amount_cents=locked.amount_cents)
    if _settle_booking(booking, locked):
        _announce_payment(locked)  # a payment given back in full is no sale: no invoice
        _acknowledge_payment(booking.pk, locked.amount_cents)
    return locked


def _acknowledge_payment(booking_id: int, amount_cents: int) -> None:
    """After commit, the group is told the amount actually charged and what is left to pay."""
    from payments import tasks

    transaction.on_commit(
        lambda: enqueue(tasks.send_payment_received_email, booking_id, amount_cents)
    )


def _store_stripe_ids(payment: Payment, session_id: str | None, payment_intent: str | None) -> None:
    if session_id and not payment.stripe_checkout_session_id:
        payment.stripe_checkout_session_id = session_id
    if payment_intent and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = payment_intent


def _settle_booking(booking: Booking, payment: Payment) -> bool:
    """After a card payment: confirm the booking, or give the money back. Locks held.

    Returns whether the payment is kept (money beyond the price is still given back).
    """
    from payments import refunds  # refunds builds on this module

    if booking.status == BookingStatus.PENDING_PAYMENT:
        try:
            booking_services.booking_confirm(booking=booking, actor=booking_services.Actor.system())
        except Conflict as exc:
            logger.warning(
                "Late payment on %s refused (%s): refunding", booking.reference, exc.code
            )
        else:
            # The group may have got smaller while its Checkout Session was open.
            refunds.refunds_for_excess(booking_id=booking.pk)
            return True
    elif booking.status in (BookingStatus.CONFIRMED, BookingStatus.REQUESTED):
        refunds.refunds_for_excess(booking_id=booking.pk)
        return True
    refunds.refund_create(
        payment=payment,
        amount_cents=payment.amount_cents - payment.refunded_cents,
        reason=RefundReason.LATE_PAYMENT,
        actor=SYSTEM,
        locked=True,
    )
    from payments import tasks

    booking_id, amount = booking.pk, payment.amount_cents
    transaction.on_commit(lambda: enqueue(tasks.send_late_payment_email, booking_id, amount))
    return False


@transaction.atomic
def payment_mark(
    *,
    payment: Payment,
    status: str,
    reason: str = "",
    session_id: str | None = None,
    payment_intent: str | None = None,
) -> Payment:
    """Move a card payment to ``status`` if that is forward (monotonic); else change nothing.

    Locks departure, booking, payment.
    """
    _booking, locked = _lock(payment.booking_id, payment.pk)
    assert locked is not None
    _store_stripe_ids(locked, session_id, payment_intent)
    if PAYMENT_STATUS_RANK[status] > PAYMENT_STATUS_RANK[locked.status]:
        locked.status = status
        locked.failure_reason = reason[:255]
    locked.save()
    return locked


@transaction.atomic
def payment_mark_disputed(*, payment: Payment) -> Payment:
    """A chargeback was opened: flag it for the office (the money moves only when it is lost)."""
    booking, locked = _lock(payment.booking_id, payment.pk)
    assert locked is not None
    if locked.disputed_at is None:
        locked.disputed_at = timezone.now()
        locked.save(update_fields=["disputed_at", "updated_at"])
        audit(booking, SYSTEM, "payment_disputed", payment=locked.pk)
    return locked


# --- Offline payments -----------------------------------------------------------------------


@transaction.atomic
def payment_record_offline(
    *,
    booking: Booking,
    method: str,
    amount_cents: int,
    paid_on: date,
    reference: str,
    actor: Actor,
) -> Payment:
    """Staff record a bank transfer, an administrative mandate or a cheque.

    Locks departure and booking. Refuses zero, negative and more than what remains due, and a
    reference already recorded for this booking and method. The booking's status is not
    changed: staff confirm a request as before. Raises InvalidInput or Conflict.
    """
    if amount_cents <= 0:
        raise InvalidInput(
            errors.AMOUNT_NOT_POSITIVE, _("The amount must be positive."), field="amount_cents"
        )
    if paid_on > timezone.localdate():
        raise InvalidInput(
            errors.PAYMENT_DATE_IN_FUTURE, _("The payment date is in the future."), field="date"
        )
    locked, _payment = _lock(booking.pk)
    if locked.status not in selectors.PAYABLE_STATUSES:
        raise Conflict(
            errors.BOOKING_NOT_PAYABLE,
            _("This booking can no longer be paid."),
            field="status",
            extra={"current_status": locked.status},
        )
    outstanding = selectors.amount_outstanding(locked)
    if _after_due_check is not None:
        _after_due_check()
    if amount_cents > outstanding:
        raise InvalidInput(
            errors.OVERPAYMENT,
            _("Only %(due)s remain due on this booking.")
            % {"due": format_money_for_reader(outstanding)},
            field="amount_cents",
            extra={"amount_due_cents": outstanding},
        )
    if (
        reference
        and Payment.objects.filter(booking=locked, method=method, reference=reference).exists()
    ):
        raise Conflict(
            errors.DUPLICATE_PAYMENT_REFERENCE,
            _("A payment with this reference is already recorded."),
            field="reference",
        )
    payment = _create_offline(locked, method, amount_cents, paid_on, reference, actor)
    sync_amount_paid(locked)
    audit(
        locked,
        actor,
        "payment_recorded",
        payment=payment.pk,
        method=method,
        amount_cents=amount_cents,
        reference=reference,
    )
    _announce_payment(payment)
    return payment


def _create_offline(
    booking: Booking, method: str, amount_cents: int, paid_on: date, reference: str, actor: Actor
) -> Payment:
    if booking.amount_paid_cents > 0:
        kind = PaymentKind.BALANCE
    elif amount_cents == booking.total_cents:
        kind = PaymentKind.FULL
    else:
        kind = PaymentKind.DEPOSIT
    paid_at: datetime = (
        timezone.now()
        if paid_on == timezone.localdate()
        else timezone.make_aware(datetime.combine(paid_on, time(12)))
    )
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            return Payment.objects.create(
                booking=booking,
                method=method,
                kind=kind,
                amount_cents=amount_cents,
                status=PaymentStatus.SUCCEEDED,
                reference=reference,
                paid_at=paid_at,
                recorded_by=user,
            )
    except IntegrityError:
        raise Conflict(
            errors.DUPLICATE_PAYMENT_REFERENCE,
            _("A payment with this reference is already recorded."),
            field="reference",
        ) from None
