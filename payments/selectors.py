"""Reads about payments: what is due, what was paid and refunded. No writes here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.models import Booking, BookingStatus
from payments.models import Payment, PaymentKind, PaymentMethod, PaymentStatus, Refund, RefundStatus

# A booking in one of these may still receive money.
PAYABLE_STATUSES = (BookingStatus.PENDING_PAYMENT, BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


def payable_by_card_now(booking: Booking) -> bool:
    """A card payment may start: the booking takes seats and is not awaiting the office."""
    return booking.status != BookingStatus.REQUESTED and booking.takes_seats()


@dataclass(frozen=True)
class Due:
    amount_cents: int
    kind: str


def amount_outstanding(booking: Booking) -> int:
    """What remains to be paid on the whole price (0 once the booking can no longer be paid)."""
    if booking.status not in PAYABLE_STATUSES:
        return 0
    return max(booking.total_cents - booking.amount_paid_cents, 0)


def amount_due_now(booking: Booking) -> Due:
    """What a card payment would charge now.

    Nothing paid yet: the deposit while the visit is more than ``PAYMENT_DEPOSIT_MIN_DAYS_BEFORE``
    days away, the full price otherwise. Something paid: the balance.
    """
    outstanding = amount_outstanding(booking)
    if outstanding == 0:
        return Due(0, PaymentKind.FULL)
    if booking.amount_paid_cents > 0:
        return Due(outstanding, PaymentKind.BALANCE)
    deposit = int(booking.price.get("deposit_cents") or 0)
    far = booking.departure.starts_at - timezone.now() > timedelta(
        days=settings.PAYMENT_DEPOSIT_MIN_DAYS_BEFORE
    )
    if far and 0 < deposit < outstanding:
        return Due(deposit, PaymentKind.DEPOSIT)
    return Due(outstanding, PaymentKind.FULL)


def open_checkout(booking: Booking) -> Payment | None:
    """The booking's Checkout Session still open for at least a few minutes, if any."""
    return (
        Payment.objects.filter(
            booking=booking,
            method=PaymentMethod.CARD,
            status=PaymentStatus.PENDING,
            checkout_expires_at__gt=timezone.now() + timedelta(minutes=5),
        )
        .exclude(checkout_url="")
        .order_by("-attempt")
        .first()
    )


def _refund_sum(*statuses: str) -> Coalesce:
    refunds = (
        Refund.objects.filter(payment__booking=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("payment__booking")
        .annotate(total=Sum("amount_cents"))
        .values("total")
    )
    return Coalesce(Subquery(refunds, output_field=IntegerField()), Value(0))


def with_payment_totals(qs: QuerySet[Booking]) -> QuerySet[Booking]:
    """Annotate refunded and owed amounts and the open checkout URL in the same query."""
    checkout = (
        Payment.objects.filter(
            booking=OuterRef("pk"),
            method=PaymentMethod.CARD,
            status=PaymentStatus.PENDING,
            checkout_expires_at__gt=timezone.now() + timedelta(minutes=5),
        )
        .exclude(checkout_url="")
        .order_by("-attempt")
        .values("checkout_url")[:1]
    )
    return qs.annotate(
        refunded_cents=_refund_sum(RefundStatus.SUCCEEDED),
        refund_pending_cents=_refund_sum(RefundStatus.PENDING, RefundStatus.OWED),
        open_checkout_url=Subquery(checkout),
    )


def as_new_booking(booking: Booking) -> Booking:
    """A booking just written, with no payment yet: the annotations of ``with_payment_totals``.

    Spares the answer to a booking request a second read of the row it has just written.
    """
    booking.refunded_cents = 0  # type: ignore[attr-defined]
    booking.refund_pending_cents = 0  # type: ignore[attr-defined]
    booking.open_checkout_url = None  # type: ignore[attr-defined]
    return booking


def refunds_in_flight_cents(booking: Booking) -> int:
    """The booking's refunds decided but not yet paid back: pending at Stripe or owed by staff.

    Registered into ``bookings.selectors.refunds_in_flight``. Uses the ``refund_pending_cents``
    annotation of ``with_payment_totals`` when the booking carries it (lists: no query per row).
    """
    annotated = getattr(booking, "refund_pending_cents", None)
    if annotated is not None:
        return int(annotated)
    return int(
        Refund.objects.filter(
            payment__booking_id=booking.pk, status__in=(RefundStatus.PENDING, RefundStatus.OWED)
        ).aggregate(total=Coalesce(Sum("amount_cents"), 0))["total"]
    )


def booking_paid_cents(booking_id: int) -> int:
    """Succeeded payments minus succeeded refunds: what ``amount_paid_cents`` must hold."""
    paid = Payment.objects.filter(booking_id=booking_id, status=PaymentStatus.SUCCEEDED).aggregate(
        total=Coalesce(Sum("amount_cents"), 0)
    )["total"]
    refunded = Refund.objects.filter(
        payment__booking_id=booking_id, status=RefundStatus.SUCCEEDED
    ).aggregate(total=Coalesce(Sum("amount_cents"), 0))["total"]
    return int(paid) - int(refunded)
