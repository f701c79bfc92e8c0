"""Signals sent by the payments app; other apps (invoicing) listen to them."""

from django.dispatch import Signal

# Sent inside the transaction that records a succeeded payment (departure, booking and payment
# rows locked), for the consequences that must not be lost: receivers record them as outbox rows
# (core.outbox; invoicing: the payment's invoice) and must not raise. Same kwargs as below.
payment_succeeded_in_transaction = Signal()
# Sent after commit when a payment succeeds. kwargs: payment (payments.models.Payment, with
# .booking, .amount_cents, .kind in {"deposit", "balance", "full"}, .method, .paid_at).
payment_succeeded = Signal()
# Sent after commit when a refund succeeds. kwargs: refund (payments.models.Refund with .payment, .amount_cents).  # noqa: E501
refund_succeeded = Signal()
