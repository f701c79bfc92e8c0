"""Payments and refunds of bookings, and the Stripe events received.

Money invariant: the refunds of a payment never exceed it, and a booking's
``amount_paid_cents`` equals its succeeded payments minus its succeeded refunds. The services
hold it under row locks (departure, then booking, then payment); the database holds the per
payment half through ``Payment.refunded_cents`` (every refund not failed, reserved on the
payment row) and a check constraint.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from core.money import format_money


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card (Stripe)")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ADMINISTRATIVE_MANDATE = "administrative_mandate", _("Administrative mandate")
    CHEQUE = "cheque", _("Cheque")


OFFLINE_METHODS = (
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.ADMINISTRATIVE_MANDATE,
    PaymentMethod.CHEQUE,
)


class PaymentKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    BALANCE = "balance", _("Balance")
    FULL = "full", _("Full amount")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # row written, Checkout Session being opened or open
    PROCESSING = "processing", _("Processing")  # completed, asynchronous payment still running
    FAILED = "failed", _("Failed")  # Stripe unreachable, or the asynchronous payment failed
    EXPIRED = "expired", _("Expired")  # the Checkout Session expired unpaid
    SUCCEEDED = "succeeded", _("Succeeded")  # money received: never changes again


# Monotonic transitions: a status only moves to a higher rank. Money received wins over every
# other news, whatever order the webhooks arrive in (a late ``expired`` never undoes a payment).
PAYMENT_STATUS_RANK: dict[str, int] = {
    PaymentStatus.PENDING: 0,
    PaymentStatus.PROCESSING: 1,
    PaymentStatus.FAILED: 2,
    PaymentStatus.EXPIRED: 2,
    PaymentStatus.SUCCEEDED: 3,
}


class Payment(models.Model):
    booking = models.ForeignKey(
        Booking, on_delete=models.PROTECT, related_name="payments", verbose_name=_("booking")
    )
    method = models.CharField(
        max_length=30, choices=PaymentMethod.choices, verbose_name=_("method")
    )
    kind = models.CharField(max_length=10, choices=PaymentKind.choices, verbose_name=_("kind"))
    amount_cents = models.PositiveIntegerField(verbose_name=_("amount (cents)"))
    # Sum of this payment's refunds that are not failed or cancelled (owed, pending, succeeded).
    refunded_cents = models.PositiveIntegerField(default=0, verbose_name=_("refunded (cents)"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, verbose_name=_("status")
    )
    # Card: the n-th Checkout Session of the booking, part of the Stripe idempotency key.
    attempt = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("attempt"))
    stripe_checkout_session_id = models.CharField(
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        verbose_name=_("Stripe Checkout Session id"),
    )
    stripe_payment_intent_id = models.CharField(
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        verbose_name=_("Stripe PaymentIntent id"),
    )
    checkout_url = models.CharField(max_length=2000, blank=True, verbose_name=_("checkout URL"))
    checkout_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("checkout expires at")
    )
    # Offline: the bank or cheque reference given by staff.
    reference = models.CharField(max_length=100, blank=True, verbose_name=_("reference"))
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name=_("paid at"))
    disputed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("disputed at"))
    failure_reason = models.CharField(max_length=255, blank=True, verbose_name=_("failure reason"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        # Money moves only through the services: these, not add or change, allow it.
        permissions = [
            ("record_payment", "Can record an offline payment"),
            ("refund_payment", "Can refund a payment"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_cents__lte=F("amount_cents")),
                name="payment_refunds_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in PaymentStatus]),
                name="payment_status_known",
            ),
            models.UniqueConstraint(
                fields=["booking", "attempt"],
                condition=Q(attempt__isnull=False),
                name="payment_unique_checkout_attempt",
            ),
            models.UniqueConstraint(
                fields=["booking", "method", "reference"],
                condition=~Q(reference=""),
                name="payment_unique_offline_reference",
            ),
        ]

    def __str__(self) -> str:
        amount = format_money(self.amount_cents)
        return f"{self.booking.reference} {self.kind} {amount} ({self.status})"

    @property
    def is_card(self) -> bool:
        return self.method == PaymentMethod.CARD


class RefundStatus(models.TextChoices):
    OWED = "owed", _("Owed (to pay back offline)")  # an offline payment: staff pay it back
    PENDING = "pending", _("Pending")  # written; Stripe not called yet or still processing
    SUCCEEDED = "succeeded", _("Succeeded")  # money gone back to the payer
    FAILED = "failed", _("Failed")  # Stripe refused it, or the bank returned it
    CANCELED = "canceled", _("Cancelled")  # cancelled at Stripe before it went through


REFUND_STATUS_RANK: dict[str, int] = {
    RefundStatus.OWED: 0,
    RefundStatus.PENDING: 0,
    RefundStatus.SUCCEEDED: 1,
    # A refund may fail after succeeding (the card's bank sends it back): the money is ours again.
    RefundStatus.FAILED: 2,
    RefundStatus.CANCELED: 2,
}
LIVE_REFUND_STATUSES = (RefundStatus.OWED, RefundStatus.PENDING, RefundStatus.SUCCEEDED)


class RefundReason(models.TextChoices):
    CANCELLATION = "cancellation", _("Booking cancelled")
    LATE_PAYMENT = "late_payment", _("Paid after the seats were gone")
    OVERPAYMENT = "overpayment", _("Paid more than the price")
    STAFF = "staff", _("Refunded by staff")
    EXTERNAL = "external", _("Refunded in the Stripe dashboard")


class Refund(models.Model):
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    amount_cents = models.PositiveIntegerField(verbose_name=_("amount (cents)"))
    status = models.CharField(max_length=10, choices=RefundStatus.choices, verbose_name=_("status"))
    reason = models.CharField(max_length=20, choices=RefundReason.choices, verbose_name=_("reason"))
    stripe_refund_id = models.CharField(
        max_length=255, null=True, blank=True, unique=True, verbose_name=_("Stripe refund id")
    )
    failure_reason = models.CharField(max_length=255, blank=True, verbose_name=_("failure reason"))
    succeeded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("succeeded at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=[choice.value for choice in RefundStatus]),
                name="refund_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.pk} {format_money(self.amount_cents)} ({self.status})"


class StripeEventStatus(models.TextChoices):
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")  # a type we do not handle, or nothing to do
    FAILED = "failed", _("Failed")  # understood but refused by a service; see ``error``


class StripeEvent(models.Model):
    """Every event Stripe sent, by its id: each is handled at most once.

    The row is written in the same transaction as the handler's effects, so an event is either
    stored and applied, or neither (a database error answers 5xx and Stripe sends it again).
    """

    stripe_id = models.CharField(max_length=255, unique=True, verbose_name=_("Stripe id"))
    type = models.CharField(max_length=100)
    payload = models.JSONField(verbose_name=_("payload"))
    status = models.CharField(
        max_length=10, choices=StripeEventStatus.choices, verbose_name=_("status")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    # Set when ``payload`` was cut down to what reconciliation needs (payments.retention).
    payload_pruned_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("payload pruned at")
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.type} ({self.status})"
