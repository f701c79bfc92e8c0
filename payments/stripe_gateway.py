"""The only module that imports ``stripe``: Checkout Sessions, refunds, webhook verification.

Every call carries an idempotency key derived from our own ids, so a retry after a timeout can
never charge or refund twice. Callers never hold a database row lock while calling here
(DESIGN §8): they commit first, call, then record the answer in a new transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings

from payments import errors


class StripeUnavailable(Exception):
    """Stripe could not be reached, timed out, or refused the call: nothing to record."""


class WebhookRejected(Exception):
    """A webhook whose payload or signature does not verify. ``code`` says which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    expires_at: int


@dataclass(frozen=True)
class StripeRefund:
    id: str
    status: str


def card_payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _client() -> stripe.StripeClient:
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )


@lru_cache(maxsize=4)
def _client_for(key: str, base: str, retries: int, timeout: float) -> stripe.StripeClient:
    """One client (and its HTTP connection pool) per configuration."""
    return stripe.StripeClient(
        key,
        base_addresses={"api": base} if base else {},
        max_network_retries=retries,
        http_client=stripe.new_default_http_client(timeout=timeout),
    )


def create_checkout_session(
    *,
    idempotency_key: str,
    reference: str,
    payment_id: int,
    line_items: list[dict[str, Any]],
    customer_email: str,
    locale: str,
    expires_at: datetime,
) -> CheckoutSession:
    """Open a Checkout Session (``mode=payment``, EUR) for one of our payments.

    The booking reference goes in ``client_reference_id`` and in the metadata of the session and
    of its PaymentIntent; our payment id too, so that every webhook finds its row.
    Raises StripeUnavailable.
    """
    metadata = {"booking_reference": reference, "payment_id": str(payment_id)}
    page = f"{settings.SITE_URL}/bookings/{reference}"
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": line_items,
        "client_reference_id": reference,
        "customer_email": customer_email,
        "locale": locale,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "expires_at": int(expires_at.timestamp()),
        "success_url": f"{page}?checkout_session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": page,
    }
    try:
        session = _client().v1.checkout.sessions.create(
            params,  # type: ignore[arg-type]
            {"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc
    return CheckoutSession(id=session.id, url=session.url or "", expires_at=session.expires_at)


def create_refund(
    *, idempotency_key: str, payment_intent: str, amount_cents: int, metadata: dict[str, str]
) -> StripeRefund:
    """Refund part or all of a PaymentIntent. Raises StripeUnavailable."""
    try:
        refund = _client().v1.refunds.create(
            {"payment_intent": payment_intent, "amount": amount_cents, "metadata": metadata},
            {"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable(str(exc)) from exc
    return StripeRefund(id=refund.id, status=refund.status or "pending")


def verify_webhook(payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event as a plain dict, once the signature on the raw body checks out.

    Raises WebhookRejected (``invalid_payload`` or ``invalid_signature``).
    """
    if not settings.STRIPE_WEBHOOK_SECRET:
        # An empty secret would make any HMAC "valid": refuse every webhook instead.
        raise WebhookRejected(errors.INVALID_SIGNATURE, "Stripe webhooks are not configured.")
    try:
        event = stripe.Webhook.construct_event(
            payload, signature or "", settings.STRIPE_WEBHOOK_SECRET
        )
    except ValueError as exc:
        raise WebhookRejected(
            errors.INVALID_PAYLOAD, "The webhook body is not a Stripe event."
        ) from exc
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(
            errors.INVALID_SIGNATURE, "The webhook signature does not verify."
        ) from exc
    return event.to_dict()
