"""A loopback fake of the few Stripe endpoints the payments app calls, driven by the real SDK.

It runs a threaded ``http.server`` on 127.0.0.1 (a free port), and checks each request as
Stripe would: the secret key, the ``Idempotency-Key`` header (the same key with other
parameters is refused, the same key with the same parameters replays the first answer) and the
form fields. Requests it refuses are recorded in ``rejected``; a test asserts there are none.
It can be told to answer 500s (``fail_next``) or to hang past the SDK's timeout (``hang``).

The ``stripe_fake`` fixture starts it and points the settings at it; ``signed_webhook`` posts an
event signed exactly as Stripe signs them.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import stripe

SECRET_KEY = "sk_test_loopback_fake"
WEBHOOK_SECRET = "whsec_loopback_fake"
MIN_LIFETIME = 30 * 60
MAX_LIFETIME = 24 * 3600


def nested_form(body: str) -> dict[str, Any]:
    """Decode Stripe's form encoding (``a[b][0][c]=v``) into dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if isinstance(node, list):
                position = int(part)
                while len(node) <= position:
                    node.append({})
                if last:
                    node[position] = value
                else:
                    if not node[position]:
                        node[position] = [] if parts[index + 1].isdigit() else {}
                    node = node[position]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if parts[index + 1].isdigit() else {})
    return root


@dataclass
class Recorded:
    path: str
    idempotency_key: str | None
    form: dict[str, Any]


@dataclass
class FakeStripe:
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    refund_status: str = "pending"
    failures_left: int = 0
    hang_seconds: float = 0.0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _by_key: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, count: int = 1) -> None:
        """The next ``count`` requests are answered 500 (an ``api_error``)."""
        self.failures_left = count

    def hang(self, seconds: float) -> None:
        """Every request waits this long (or until the test ends) before answering."""
        self.hang_seconds = seconds

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    # --- Objects shaped like Stripe's, for webhooks --------------------------------------

    def completed_session(self, session_id: str, payment_status: str = "paid") -> dict[str, Any]:
        session = dict(self.sessions[session_id])
        session.update(
            status="complete",
            payment_status=payment_status,
            payment_intent=session["_payment_intent"],
        )
        return _public(session)

    def expired_session(self, session_id: str) -> dict[str, Any]:
        session = dict(self.sessions[session_id])
        session.update(status="expired", payment_status="unpaid", payment_intent=None)
        return _public(session)

    def refund_object(self, refund_id: str, status: str = "succeeded") -> dict[str, Any]:
        return {**self.refunds[refund_id], "status": status}

    def charge_refunded(self, payment_intent: str, amount: int, amount_refunded: int) -> dict:
        return {
            "id": "ch_" + payment_intent[3:],
            "object": "charge",
            "amount": amount,
            "amount_refunded": amount_refunded,
            "currency": "eur",
            "payment_intent": payment_intent,
            "refunded": amount_refunded >= amount,
            "status": "succeeded",
            "metadata": {},
        }

    # --- Request handling ----------------------------------------------------------------

    def handle(self, path: str, headers: Any, body: str) -> tuple[int, dict[str, Any]]:
        if headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return self._reject(401, "invalid_request_error", "Invalid API key")
        key = headers.get("Idempotency-Key")
        form = nested_form(body)
        with self.lock:
            self.requests.append(Recorded(path, key, form))
            if self.failures_left > 0:
                self.failures_left -= 1
                return 500, {"error": {"type": "api_error", "message": "Fake outage"}}
            if not key:
                return self._reject(400, "invalid_request_error", "Idempotency-Key missing")
            if key in self._by_key:
                first_body, status, answer = self._by_key[key]
                if first_body != body:
                    return self._reject(
                        400,
                        "idempotency_error",
                        "Keys for idempotent requests can only be used "
                        "with the same parameters they were first used with.",
                    )
                return status, answer
            if path == "/v1/checkout/sessions":
                status, answer = self._create_session(key, form)
            elif path == "/v1/refunds":
                status, answer = self._create_refund(key, form)
            else:
                status, answer = self._reject(404, "invalid_request_error", f"No route {path}")
            if status == 200:
                self._by_key[key] = (body, status, answer)
            return status, answer

    def _reject(self, status: int, kind: str, message: str) -> tuple[int, dict[str, Any]]:
        self.rejected.append(message)
        return status, {"error": {"type": kind, "message": message}}

    def _create_session(self, key: str, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        reference = form.get("client_reference_id", "")
        problems = []
        if not re.fullmatch(rf"checkout:{re.escape(reference)}:\d+", key):
            problems.append(f"idempotency key {key!r} not derived from the booking")
        if form.get("mode") != "payment":
            problems.append("mode must be payment")
        if form.get("metadata", {}).get("booking_reference") != reference:
            problems.append("metadata.booking_reference")
        intent_metadata = form.get("payment_intent_data", {}).get("metadata", {})
        if intent_metadata.get("booking_reference") != reference:
            problems.append("payment_intent_data.metadata.booking_reference")
        lifetime = int(form.get("expires_at", 0)) - time.time()
        if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
            problems.append(f"expires_at {lifetime:.0f}s ahead")
        if "{CHECKOUT_SESSION_ID}" not in form.get("success_url", ""):
            problems.append("success_url without {CHECKOUT_SESSION_ID}")
        if not form.get("cancel_url", "").endswith(f"/bookings/{reference}"):
            problems.append("cancel_url")
        total = 0
        for item in form.get("line_items", []):
            price = item.get("price_data", {})
            if price.get("currency") != "eur" or not price.get("product_data", {}).get("name"):
                problems.append("line item must be in eur with a name")
            total += int(price.get("unit_amount", 0)) * int(item.get("quantity", 0))
        if total <= 0:
            problems.append("no amount")
        if problems:
            return self._reject(400, "invalid_request_error", "; ".join(problems))
        session_id = "cs_test_" + secrets.token_hex(12)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": total,
            "currency": "eur",
            "client_reference_id": reference,
            "customer_email": form.get("customer_email"),
            "expires_at": int(form["expires_at"]),
            "livemode": False,
            "metadata": form.get("metadata", {}),
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form["success_url"],
            "cancel_url": form["cancel_url"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "line_items_sent": form.get("line_items", []),
            "_payment_intent": "pi_" + secrets.token_hex(12),
        }
        self.sessions[session_id] = session
        return 200, _public(session)

    def _create_refund(self, key: str, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        metadata = form.get("metadata", {})
        problems = []
        if key != f"refund:{metadata.get('refund_id')}":
            problems.append(f"idempotency key {key!r} not derived from the refund")
        if not str(form.get("payment_intent", "")).startswith("pi_"):
            problems.append("payment_intent")
        if int(form.get("amount", 0)) <= 0:
            problems.append("amount")
        if problems:
            return self._reject(400, "invalid_request_error", "; ".join(problems))
        refund = {
            "id": "re_" + secrets.token_hex(12),
            "object": "refund",
            "amount": int(form["amount"]),
            "currency": "eur",
            "payment_intent": form["payment_intent"],
            "metadata": metadata,
            "status": self.refund_status,
            "reason": None,
        }
        self.refunds[refund["id"]] = refund
        return 200, dict(refund)


def _public(session: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in session.items() if not k.startswith("_") and k != "line_items_sent"}


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no pooled socket outlives the test.
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            if fake.hang_seconds:
                fake.release.wait(fake.hang_seconds)
            status, answer = fake.handle(self.path, self.headers, body)
            payload = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(6))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and went away

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def stripe_fake(settings: Any) -> Iterator[FakeStripe]:
    """The fake on a free loopback port, with the settings pointing the SDK at it."""
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake.base
    settings.STRIPE_TIMEOUT_SECONDS = 1.0
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def stripe_event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> dict:
    return {
        "id": event_id or "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def signature_for(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send: ``t=<time>,v1=<HMAC-SHA256>``."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)


def signed_webhook(
    client: Any,
    event: dict[str, Any] | str,
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    signature: str | None = None,
) -> Any:
    """POST an event to the webhook, signed as Stripe signs (``t=...,v1=HMAC``)."""
    payload = event if isinstance(event, str) else json.dumps(event)
    header = signature
    if header is None:
        header = signature_for(payload, secret, timestamp)
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    return client.post(
        "/api/v1/payments/stripe/webhook/", data=payload, content_type="application/json", **extra
    )
