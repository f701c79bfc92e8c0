"""Signals sent by the payments app; other apps (invoicing) listen to them."""

from django.dispatch import Signal

# Sent after commit when a payment succeeds. kwargs: payment (payments.models.Payment, with
# .booking, .amount_cents, .kind in {"deposit", "balance", "full"}, .method, .paid_at).
payment_succeeded = Signal()
# Sent after commit when a refund succeeds. kwargs: refund (payments.models.Refund with .payment, .amount_cents).  # noqa: E501
refund_succeeded = Signal()
