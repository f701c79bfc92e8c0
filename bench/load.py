"""`make load`: mixed traffic by many concurrent clients, then the invariants checked in the DB.

Brings up gunicorn with the production settings (PostgreSQL database ``va_load``, Redis db 12)
over the demo catalogue (``load_demo`` + ``load_guides_demo``: three itineraries of 25 to 30
seats a departure, guides), its season thickened to every demo slot every day for 180 days
(about 520 departures), with card payments pointed at the loopback Stripe fake of the tests,
started in this process. ``LOAD_CLIENTS`` (64) client threads, each with its own keep-alive
connection, then run for ``LOAD_SECONDS`` (120) the visit of a group:

  browse the catalogue and an itinerary, read a month of availability (mostly the coming one)
  and the departures, and leave; or (45 %) go on to book, by card or invoice, a departure the
  page shows with seats for the group (one in five takes the first date shown), pay a card
  booking through a signed ``checkout.session.completed`` webhook (sometimes delivered twice),
  read the booking back, sometimes change the head count, pay the balance of a deposit, cancel
  (card refunds go to the fake, and come back as ``refund.updated`` or ``charge.refunded``), or
  cancel first and pay afterwards (a late payment, refunded in full).

Expected refusals (409 ``sold_out`` and the like) are counted per code; a 5xx, a broken
connection or an unexpected refusal is a failure. Afterwards, with gunicorn stopped, the
database is checked: no departure above its capacity, the money invariant of docs/payments.md
for every payment and booking, an invoice for every card payment kept, invoice numbers without
a gap, no Stripe event refused; and the fake must have rejected no request. Writes
bench/load-results.json and a table per endpoint; exits 1 on any failure. Only loopback is
ever contacted.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import traceback
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path
from time import monotonic, perf_counter, sleep
from typing import Any

from bench.run import PG, PYTHON, ROOT, environment, free_port, start_server, worker_rss_mb
from bookings.terms import current_terms
from tests.fakes import stripe_server
from tests.fakes.stripe_server import FakeStripe

DB_NAME = "va_load"
REDIS_URL = "redis://127.0.0.1:6379/12"
DURATION = float(os.environ.get("LOAD_SECONDS", "120"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "64"))
# 2 cores: 4 processes of 8 threads keep both cores busy while requests wait on PostgreSQL,
# Redis and the Stripe fake, and stay within PostgreSQL's 100 connections (32 here).
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
THREADS = int(os.environ.get("LOAD_THREADS", "8"))
SERVER_ARGS = tuple(os.environ.get("LOAD_GUNICORN_ARGS", "").split())
# Refunds, invoices of payments and e-mails are consequences carried out after commit by Celery
# (core.outbox): two workers of one process each, as the compose file runs them.
CELERY_WORKERS = int(os.environ.get("LOAD_CELERY_WORKERS", "2"))
# How long a client waits for a refund granted at a cancellation to reach Stripe (a task).
REFUND_WAIT_S = 120.0
DRAIN_WAIT_S = 180.0
# LOAD_PROFILE=1: each request's time taken apart in the worker (bench/profiled_wsgi.py).
PROFILE = os.environ.get("LOAD_PROFILE") == "1"
RESULTS = ROOT / "bench" / "load-results.json"
SEASON_DAYS = 180
# Where groups look: days from today to the first day of the month they read (most look soon).
MONTH_OFFSETS = (0, 0, 0, 0, 30, 60, 90, 120, 150)
BOOKING_SHARE = 0.45  # the other visits only browse
API = "/api/v1"
WEBHOOK = f"{API}/payments/stripe/webhook/"
MAX_FAILURES_KEPT = 50

# The refusals a well-behaved client can meet (status -> problem codes); any other 4xx fails.
EXPECTED_REFUSALS: dict[str, dict[int, set[str]]] = {
    "booking create": {
        409: {"sold_out", "departure_not_bookable", "departure_started"},
        400: {"lead_time_not_respected"},
    },
    "booking change": {409: {"sold_out", "change_cutoff_passed", "payment_pending"}},
    "booking checkout": {409: {"booking_not_payable", "nothing_due"}},
    "booking cancel": {409: {"departure_started"}},
}


# --- Set-up --------------------------------------------------------------------------------


def load_environment(port: int, stripe_base: str) -> dict[str, str]:
    env = dict(environment(port))
    env.pop("BENCH_VIEWS", None)
    env.update(
        {
            "DATABASE_URL": f"{PG}/{DB_NAME}",
            "REDIS_URL": REDIS_URL,
            "STRIPE_SECRET_KEY": stripe_server.SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": stripe_server.WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe_base,
        }
    )
    return env


def prepare(env: dict[str, str]) -> None:
    import psycopg
    import redis

    # The prepared season is kept as a template database, marked with the day it was made for:
    # the next run of the day copies it in a second instead of loading the demo again.
    seed = f"{DB_NAME}_seed_{date.today():%Y%m%d}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        seeded = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [seed]).fetchone()
        conn.execute(f"CREATE DATABASE {DB_NAME}" + (f" TEMPLATE {seed}" if seeded else ""))
    redis.Redis.from_url(REDIS_URL).flushdb()
    if seeded:
        print(f"season: copied from {seed}")
        return
    for command in (["migrate", "-v0"], ["load_demo"], ["load_guides_demo"]):
        subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    subprocess.run([PYTHON, "-m", "bench.load", "season"], cwd=ROOT, env=env, check=True)  # noqa: S603
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for (old,) in conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{DB_NAME}_seed_%"]
        ).fetchall():
            conn.execute(f"DROP DATABASE IF EXISTS {old} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {seed} TEMPLATE {DB_NAME}")


def thicken_season() -> None:
    """Every day of SEASON_DAYS, each demo slot (itinerary, time, language) the sites allow.

    The demo season has one departure of each slot a week or less (about seventy in all), which
    64 clients sell out in seconds; a daily season keeps groups booking, paying and cancelling
    for the whole run while its first weeks, where most groups look, still sell out.
    """
    import django

    django.setup()
    from django.utils import timezone

    from itineraries.management.commands.load_demo import schedule_season
    from itineraries.models import Departure

    today = timezone.localdate()
    every_day = [today + timedelta(days=offset) for offset in range(1, SEASON_DAYS + 1)]
    # The sites taken by another slot at a time are skipped quietly.
    created = schedule_season(lambda _weekday, _every: every_day)
    print(f"season: {created} departures added, {Departure.objects.count()} in all")


class FakeStripeServer(ThreadingHTTPServer):
    # Up to WORKERS x THREADS requests may call Stripe at once: a backlog of 5 would drop SYNs.
    request_queue_size = 128
    daemon_threads = True


def start_stripe() -> tuple[FakeStripe, FakeStripeServer, threading.Thread]:
    """The tests' loopback fake, as the ``stripe_fake`` fixture starts it (refunds pending)."""
    fake = FakeStripe()
    server = FakeStripeServer(("127.0.0.1", 0), stripe_server._handler_for(fake))
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return fake, server, thread


# --- Measures ------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one client saw; merged into the run's totals at the end."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    refusals: Counter[str] = field(default_factory=Counter)
    flows: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failure_count: int = 0

    def fail(self, message: str) -> None:
        self.failure_count += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(message)

    def merge(self, other: Tally) -> None:
        for name, values in other.latencies.items():
            self.latencies[name].extend(values)
        for name, counts in other.statuses.items():
            self.statuses[name].update(counts)
        self.refusals.update(other.refusals)
        self.flows.update(other.flows)
        self.failure_count += other.failure_count
        room = MAX_FAILURES_KEPT - len(self.failures)
        self.failures.extend(other.failures[: max(room, 0)])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


# --- One client ----------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: Any

    def code(self) -> str:
        return str(self.body.get("code", "")) if isinstance(self.body, dict) else ""


class Client:
    """A group visiting the site: one keep-alive connection, one request at a time."""

    def __init__(self, index: int, port: int, fake: FakeStripe, stop: float) -> None:
        self.index = index
        self.port = port
        self.fake = fake
        self.stop = stop
        self.rng = random.Random(index)  # a reproducible traffic mix
        self.tally = Tally()
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    # --- HTTP ---

    def call(
        self,
        name: str,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        payload = (
            raw if raw is not None else json.dumps(body).encode() if body is not None else None
        )
        sent = {"Accept": "application/json", **(headers or {})}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        if method == "POST" and "Idempotency-Key" not in sent and path != WEBHOOK:
            sent["Idempotency-Key"] = str(uuid.uuid4())
        started = perf_counter()
        try:
            self.connection.request(method, path, body=payload, headers=sent)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.tally.fail(f"{name}: {method} {path}: connection error {exc!r}")
            self.connection.close()
            self.connection = self._connect()
            return Reply(0, None)
        elapsed = perf_counter() - started
        self.tally.latencies[name].append(elapsed)
        self.tally.statuses[name][response.status] += 1
        if (response.getheader("Connection") or "").lower() == "close":
            self.connection.close()
            self.connection = self._connect()
        try:
            parsed: Any = json.loads(data) if data else None
        except ValueError:
            parsed = data[:200]
        reply = Reply(response.status, parsed)
        if response.status >= 500:
            self.tally.fail(f"{name}: {method} {path} -> {response.status} {data[:300]!r}")
        elif response.status >= 400:
            code = reply.code()
            self.tally.refusals[f"{name}: {response.status} {code}"] += 1
            if code not in EXPECTED_REFUSALS.get(name, {}).get(response.status, set()):
                self.tally.fail(
                    f"{name}: {method} {path} -> unexpected {response.status} {data[:300]!r}"
                )
        return reply

    def check(self, ok: bool, message: str) -> None:
        """A client-side consistency check: what the API answers after a step."""
        self.tally.flows["checks passed" if ok else "checks failed"] += 1
        if not ok:
            self.tally.fail(f"check: {message}")

    def webhook(self, event_type: str, obj: dict[str, Any]) -> Reply:
        event = stripe_server.stripe_event(event_type, obj)
        payload = json.dumps(event)
        headers = {"Stripe-Signature": stripe_server.signature_for(payload)}
        reply = self.call("stripe webhook", "POST", WEBHOOK, raw=payload.encode(), headers=headers)
        if self.rng.random() < 0.1:  # Stripe delivers at least once: a repeat changes nothing
            again = self.call(
                "stripe webhook", "POST", WEBHOOK, raw=payload.encode(), headers=headers
            )
            self.check(
                again.status == 200 and again.body.get("status") == "duplicate",
                f"repeated event {event['id']} answered {again.status} {again.body!r}",
            )
            self.tally.flows["webhooks delivered twice"] += 1
        return reply

    # --- The visit ---

    def run(self) -> None:
        try:
            while monotonic() < self.stop:
                self.visit()
        except Exception:  # a crash of the generator is a failure of the run, never silent
            self.tally.fail(f"client {self.index} crashed:\n{traceback.format_exc()}")
        finally:
            self.connection.close()

    def visit(self) -> None:
        listing = self.call("catalogue list", "GET", f"{API}/itineraries/")
        itineraries = _results(listing.body)
        if not itineraries:
            return
        itinerary = self.rng.choice(itineraries)
        slug = itinerary["slug"]
        detail = self.call("itinerary detail", "GET", f"{API}/itineraries/{slug}/")
        if detail.status != 200:
            return
        first = date.today() + timedelta(days=self.rng.choice(MONTH_OFFSETS))
        last = first + timedelta(days=30)
        availability = self.call(
            "availability month",
            "GET",
            f"{API}/itineraries/{slug}/availability/?from={first}&to={last}",
        )
        departures = self.call(
            "departures list",
            "GET",
            f"{API}/departures/?itinerary={slug}&from={first}T00:00:00Z",
        )
        if self.rng.random() >= BOOKING_SHARE:
            self.tally.flows["visits without booking"] += 1
            return
        low, high = detail.body["min_participants"], detail.body["max_participants"]
        participants = self.rng.randint(low, min(high, low + 6))
        departure = self.pick_departure(availability.body, departures.body, participants)
        if departure is None:
            return
        card = self.rng.random() < 0.6
        booking = self.book(departure, participants, card)
        if booking is None:
            return
        reference, token = booking["reference"], booking["token"]
        auth = {"X-Booking-Token": token}
        path = f"{API}/bookings/{reference}/"
        paid = 0
        intents: list[str] = []
        if card:
            if self.rng.random() < 0.05:
                self.late_payment(booking, auth, path)
                return
            paid = self.pay(booking["checkout_url"], booking["amount_due_now"], path, auth, intents)
        mine = self.call("booking read", "GET", path, headers=auth)
        if mine.status != 200:
            self.check(False, f"{reference} not readable with its token: {mine.status}")
            return
        if self.rng.random() < 0.25:
            self.change(path, auth, mine.body, low, high)
        if card and paid and self.rng.random() < 0.3:
            paid += self.pay_balance(path, auth, intents)
        if self.rng.random() < 0.3:
            self.cancel(reference, path, auth, intents, paid)

    def pick_departure(
        self, availability: Any, departures: Any, participants: int
    ) -> dict[str, Any] | None:
        """A departure the page shows with seats for the group, now and then any (stale page)."""
        shown: list[dict[str, Any]] = []
        if isinstance(availability, dict):
            for day in availability.get("days", []):
                shown.extend(day.get("departures", []))
        listed = _results(departures)
        if self.rng.random() < 0.1 and listed:
            return dict(self.rng.choice(listed))
        with_seats = [d for d in shown if d.get("seats_left", 0) >= participants]
        with_seats += [d for d in listed if d.get("seats_left", 0) >= participants]
        if with_seats and self.rng.random() < 0.2:  # the first date shown: groups race for it
            return dict(min(with_seats, key=lambda d: str(d["starts_at"])))
        if with_seats:
            return dict(self.rng.choice(with_seats))
        self.tally.flows["nothing left to book on the page"] += 1
        return dict(self.rng.choice(listed)) if listed else None

    def book(self, departure: dict[str, Any], participants: int, card: bool) -> Any:
        n = self.rng.randrange(10**6)
        body: dict[str, Any] = {
            "departure": departure["id"],
            "participants": participants,
            "language": departure["language"],
            "options": [],
            "organisation": {"name": f"Collège {self.index}-{n}", "type": "school"},
            "contact": {"name": "Load", "email": f"load{self.index}@example.org"},
            "payment_method": "card" if card else "invoice",
            "terms_version": current_terms().version,
        }
        if not card:
            body["billing"] = {"address": "1 rue Verte", "postal_code": "62750", "city": "Loos"}
        created = self.call("booking create", "POST", f"{API}/bookings/", body)
        if created.status != 201:
            return None
        self.tally.flows["bookings created (card)" if card else "bookings created (invoice)"] += 1
        if card:
            self.check(
                bool(created.body.get("checkout_url"))
                and created.body.get("status") == "pending_payment",
                f"card booking {created.body.get('reference')} without a checkout URL",
            )
        return created.body

    def pay(
        self,
        checkout_url: str | None,
        due: dict[str, Any],
        path: str,
        auth: dict[str, str],
        intents: list[str],
    ) -> int:
        """Complete the session as Stripe would, then read the booking: confirmed and paid."""
        if not checkout_url:
            return 0
        session = self.fake.completed_session(checkout_url.rsplit("/", 1)[-1])
        intents.append(session["payment_intent"])
        reply = self.webhook("checkout.session.completed", session)
        self.check(
            reply.status == 200 and reply.body.get("status") == "processed",
            f"session {session['id']} answered {reply.status} {reply.body!r}",
        )
        after = self.call("booking read", "GET", path, headers=auth)
        expected = int(due["amount_cents"])
        self.check(
            after.status == 200
            and after.body["status"] == "confirmed"
            and after.body["amount_paid_cents"] >= expected,
            f"{path} after paying {expected}: {after.status} "
            f"{(after.body or {}).get('status')} {(after.body or {}).get('amount_paid_cents')}",
        )
        self.tally.flows[f"card payments ({due['kind']})"] += 1
        return expected

    def pay_balance(self, path: str, auth: dict[str, str], intents: list[str]) -> int:
        before = self.call("booking read", "GET", path, headers=auth)
        if before.status != 200 or before.body["amount_due_cents"] <= 0:
            return 0
        checkout = self.call("booking checkout", "POST", f"{path}checkout/", {}, headers=auth)
        if checkout.status != 200:
            return 0
        due = {"amount_cents": checkout.body["amount_cents"], "kind": checkout.body["kind"]}
        return self.pay(checkout.body["checkout_url"], due, path, auth, intents)

    def change(
        self, path: str, auth: dict[str, str], booking: dict[str, Any], low: int, high: int
    ) -> None:
        current = int(booking["participants"])
        wanted = min(max(current + self.rng.choice((-2, -1, 1, 2, 3)), low), high)
        if wanted == current:
            return
        reply = self.call("booking change", "PATCH", path, {"participants": wanted}, auth)
        if reply.status == 200:
            self.tally.flows["head counts changed"] += 1
            self.check(
                reply.body["participants"] == wanted,
                f"{path} changed to {wanted}, reads {reply.body['participants']}",
            )

    def cancel(
        self, reference: str, path: str, auth: dict[str, str], intents: list[str], paid: int
    ) -> None:
        reply = self.call("booking cancel", "POST", f"{path}cancel/", {"reason": "load"}, auth)
        if reply.status != 200:
            return
        self.tally.flows["bookings cancelled"] += 1
        if intents and int(reply.body["refund_cents"]) > 0:
            # Every refund of the booking goes through: the cancellation's, and any for money
            # paid beyond a lowered price. What stays paid is what the group paid minus them.
            settled = self.settle_refunds(reference, intents)
            after = self.call("booking read", "GET", path, headers=auth)
            self.check(
                after.status == 200
                and after.body["status"] == "cancelled"
                and after.body["amount_paid_cents"] == paid - settled,
                f"{reference} paid {paid}, refunds settled {settled}, now "
                f"{(after.body or {}).get('amount_paid_cents')}",
            )

    def settle_refunds(self, reference: str, intents: list[str]) -> int:
        """Stripe tells the app that the refunds it received went through. Returns their sum.

        A refund reaches Stripe from a Celery task after the cancellation's commit: the client
        waits for it (up to REFUND_WAIT_S), as Stripe's webhook would only come after it."""
        deadline = monotonic() + REFUND_WAIT_S
        while True:
            with self.fake.lock:
                refunds = [
                    dict(r)
                    for r in self.fake.refunds.values()
                    if r["payment_intent"] in intents
                    and r["metadata"].get("booking_reference") == reference
                ]
            if refunds or monotonic() > deadline:
                break
            sleep(0.2)
        if monotonic() > deadline - REFUND_WAIT_S + 10:
            # gunicorn closes a connection idle for its keep-alive time (30 s): start afresh.
            self.connection.close()
            self.connection = self._connect()
        self.check(bool(refunds), f"{reference}: a refund was granted but none reached Stripe")
        by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for refund in refunds:
            by_intent[refund["payment_intent"]].append(refund)
        for intent, rows in by_intent.items():
            if self.rng.random() < 0.5:
                for refund in rows:
                    self.webhook("refund.updated", self.fake.refund_object(refund["id"]))
                self.tally.flows["refunds settled (refund.updated)"] += len(rows)
            else:
                charged = next(
                    int(session["amount_total"])
                    for session in list(self.fake.sessions.values())
                    if session["_payment_intent"] == intent
                )
                refunded = sum(r["amount"] for r in rows)
                charge = self.fake.charge_refunded(intent, charged, refunded)
                self.webhook("charge.refunded", charge)
                self.tally.flows["refunds settled (charge.refunded)"] += len(rows)
        return sum(r["amount"] for r in refunds)

    def late_payment(self, booking: dict[str, Any], auth: dict[str, str], path: str) -> None:
        """The group cancels while its payment is on its way: the money goes back in full."""
        reference = booking["reference"]
        cancelled = self.call("booking cancel", "POST", f"{path}cancel/", {}, auth)
        if cancelled.status != 200 or not booking.get("checkout_url"):
            return
        session = self.fake.completed_session(booking["checkout_url"].rsplit("/", 1)[-1])
        reply = self.webhook("checkout.session.completed", session)
        self.check(reply.status == 200, f"late payment of {reference}: {reply.status}")
        self.settle_refunds(reference, [session["payment_intent"]])
        after = self.call("booking read", "GET", path, headers=auth)
        self.check(
            after.status == 200
            and after.body["status"] == "cancelled"
            and after.body["amount_paid_cents"] == 0,
            f"late payment of {reference}: {after.status} {after.body!r}"[:300],
        )
        self.tally.flows["late payments refunded"] += 1


def _results(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        return list(body.get("results") or [])
    return list(body) if isinstance(body, list) else []


# --- Invariants (run with the load environment, gunicorn stopped) ----------------------------


def check_invariants() -> dict[str, Any]:
    """Read everything back from PostgreSQL; every list in ``violations`` must be empty."""
    import django

    django.setup()
    from django.db.models import Sum
    from django.utils import timezone

    from bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, seats_taking_q
    from bookings.selectors import with_seats_taken
    from invoicing.models import Invoice, InvoiceKind
    from itineraries.models import Departure
    from payments.models import (
        LIVE_REFUND_STATUSES,
        Payment,
        PaymentKind,
        PaymentMethod,
        PaymentStatus,
        Refund,
        RefundReason,
        RefundStatus,
        StripeEvent,
        StripeEventStatus,
    )

    now = timezone.now()
    violations: dict[str, list[str]] = defaultdict(list)

    # No oversold departure: the seats taken now, and every booking still holding or confirmed
    # (holds last 30 minutes for a card, 7 days for a request: none ran out during the run).
    for departure in with_seats_taken(Departure.objects.all()):
        taken = departure.seats_taken_now  # type: ignore[attr-defined]
        held = (
            Booking.objects.filter(departure=departure, status__in=ACTIVE_STATUSES).aggregate(
                total=Sum("participants")
            )["total"]
            or 0
        )
        if taken > departure.capacity or held > departure.capacity:
            violations["oversold departures"].append(
                f"departure {departure.pk}: capacity {departure.capacity}, taken {taken}, "
                f"held or confirmed {held}"
            )
    expired_holds = Booking.objects.filter(
        status__in=ACTIVE_STATUSES, hold_expires_at__lte=now
    ).count()

    # Money, per payment: refunded_cents is the sum of its live refunds, within the payment.
    refunds_by_payment: dict[int, list[Refund]] = defaultdict(list)
    for refund in Refund.objects.all():
        refunds_by_payment[refund.payment_id].append(refund)
    payments_by_booking: dict[int, list[Payment]] = defaultdict(list)
    for payment in Payment.objects.all():
        payments_by_booking[payment.booking_id].append(payment)
        rows = refunds_by_payment[payment.pk]
        live = sum(r.amount_cents for r in rows if r.status in LIVE_REFUND_STATUSES)
        if payment.refunded_cents != live or not 0 <= live <= payment.amount_cents:
            violations["payment refunded_cents"].append(
                f"payment {payment.pk}: refunded_cents {payment.refunded_cents}, live refunds "
                f"{live}, amount {payment.amount_cents}"
            )
        if rows and payment.status != PaymentStatus.SUCCEEDED:
            violations["refund of a payment not received"].append(
                f"payment {payment.pk} ({payment.status}) has {len(rows)} refunds"
            )

    # Money, per booking: paid = succeeded payments - succeeded refunds, within [0, total].
    invoices: dict[tuple[int, str], list[Invoice]] = defaultdict(list)
    for invoice in Invoice.objects.all():
        invoices[(invoice.booking_id, invoice.kind)].append(invoice)
    statuses: Counter[str] = Counter()
    for booking in Booking.objects.all():
        statuses[booking.status] += 1
        payments = payments_by_booking[booking.pk]
        received = sum(p.amount_cents for p in payments if p.status == PaymentStatus.SUCCEEDED)
        refunds = [r for p in payments for r in refunds_by_payment[p.pk]]
        given_back = sum(r.amount_cents for r in refunds if r.status == RefundStatus.SUCCEEDED)
        pending = sum(
            r.amount_cents for r in refunds if r.status in (RefundStatus.PENDING, RefundStatus.OWED)
        )
        ref = booking.reference
        if booking.amount_paid_cents != received - given_back:
            violations["booking amount_paid_cents"].append(
                f"{ref}: amount_paid_cents {booking.amount_paid_cents}, payments {received}, "
                f"refunds {given_back}"
            )
        if booking.amount_paid_cents - pending > booking.total_cents:
            violations["paid above the price"].append(
                f"{ref} ({booking.status}): paid {booking.amount_paid_cents}, refunds pending "
                f"{pending}, total {booking.total_cents}"
            )
        if booking.status == BookingStatus.PENDING_PAYMENT and received:
            violations["payment received, booking still pending"].append(ref)
        card = booking.payment_method == "card"
        if booking.status == BookingStatus.CONFIRMED and card and not received:
            violations["card booking confirmed without a payment"].append(ref)
        if booking.status in (BookingStatus.EXPIRED, BookingStatus.DECLINED) and (
            booking.amount_paid_cents - pending > 0
        ):
            violations["money kept on a dead booking"].append(ref)
        for payment in payments:
            if payment.method != PaymentMethod.CARD or payment.status != PaymentStatus.SUCCEEDED:
                continue
            late = any(
                r.reason == RefundReason.LATE_PAYMENT for r in refunds_by_payment[payment.pk]
            )
            kind = InvoiceKind.DEPOSIT if payment.kind == PaymentKind.DEPOSIT else "invoice"
            if not late and not any(i.paid for i in invoices[(booking.pk, kind)]):
                violations["card payment without its paid invoice"].append(
                    f"{ref}: payment {payment.pk} ({payment.kind})"
                )

    # Invoice numbers: one series per prefix and year, 1..N without a gap.
    series: dict[str, list[int]] = defaultdict(list)
    for number in Invoice.objects.values_list("number", flat=True):
        match = re.fullmatch(r"([A-Z]+\d{4})-(\d+)", number)
        if match is None:
            violations["invoice numbers"].append(f"malformed {number}")
            continue
        series[match.group(1)].append(int(match.group(2)))
    for prefix, numbers in series.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            violations["invoice numbers"].append(f"{prefix}: gap or repeat in {len(numbers)}")

    for event in StripeEvent.objects.filter(status=StripeEventStatus.FAILED):
        violations["Stripe events refused"].append(f"{event.stripe_id} {event.type}: {event.error}")

    seats_left = [
        d.capacity - d.seats_taken_now  # type: ignore[attr-defined]
        for d in with_seats_taken(Departure.objects.all())
    ]
    return {
        "violations": dict(violations),
        "counts": {
            "departures": Departure.objects.count(),
            "departures with no room for another group": len([n for n in seats_left if n < 10]),
            "seats taken": Booking.objects.filter(seats_taking_q(now)).aggregate(
                total=Sum("participants")
            )["total"]
            or 0,
            "bookings": dict(statuses),
            "payments": dict(Counter(p.status for p in Payment.objects.all())),
            "refunds": dict(Counter(r.status for r in Refund.objects.all())),
            "refund reasons": dict(Counter(r.reason for r in Refund.objects.all())),
            "amount paid (cents)": Booking.objects.aggregate(total=Sum("amount_paid_cents"))[
                "total"
            ]
            or 0,
            "invoices": dict(Counter(i.kind for i in Invoice.objects.all())),
            "stripe events": dict(Counter(e.status for e in StripeEvent.objects.all())),
            "held bookings with an expired hold": expired_holds,
        },
    }


def run_checks(env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "bench.load", "check"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# --- The run -------------------------------------------------------------------------------


def drive(port: int, fake: FakeStripe) -> tuple[Tally, float]:
    stop = monotonic() + DURATION
    clients = [Client(index, port, fake, stop) for index in range(CLIENTS)]
    threads = [threading.Thread(target=client.run) for client in clients]
    started = monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = monotonic() - started
    total = Tally()
    for client in clients:
        total.merge(client.tally)
    return total, elapsed


def report(tally: Tally, elapsed: float, served: dict[str, list[float]]) -> dict[str, Any]:
    """Per endpoint: what the clients waited (p50, p99) and the time in the worker (``in
    worker``, gunicorn's access log: the rest is queueing in the server and the client)."""
    rows: dict[str, Any] = {}
    print(
        f"{'endpoint':<20}{'count':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'worker p50':>12}{'worker p99':>12}  statuses"
    )
    for name in sorted(tally.latencies, key=lambda n: -len(tally.latencies[n])):
        values = tally.latencies[name]
        statuses = dict(sorted(tally.statuses[name].items()))
        inside = served.get(name) or [0.0]
        rows[name] = {
            "count": len(values),
            "p50_ms": round(percentile(values, 0.5), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "worker_p50_ms": round(percentile(inside, 0.5), 1),
            "worker_p99_ms": round(percentile(inside, 0.99), 1),
            "statuses": statuses,
        }
        shown = " ".join(f"{code}:{count}" for code, count in statuses.items())
        row = rows[name]
        print(
            f"{name:<20}{row['count']:>8}{row['p50_ms']:>9.0f}{row['p99_ms']:>9.0f}"
            f"{row['worker_p50_ms']:>12.0f}{row['worker_p99_ms']:>12.0f}  {shown}"
        )
    everything = [v for values in tally.latencies.values() for v in values]
    inside_all = [v for values in served.values() for v in values] or [0.0]
    server_errors = sum(
        count for counts in tally.statuses.values() for code, count in counts.items() if code >= 500
    )
    totals = {
        "requests": len(everything),
        "seconds": round(elapsed, 1),
        "rps": round(len(everything) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(everything, 0.5), 1) if everything else 0.0,
        "p99_ms": round(percentile(everything, 0.99), 1) if everything else 0.0,
        "worker_p50_ms": round(percentile(inside_all, 0.5), 1),
        "worker_p99_ms": round(percentile(inside_all, 0.99), 1),
        "5xx": server_errors,
        "failures": tally.failure_count,
    }
    print(
        f"{'all':<20}{totals['requests']:>8}{totals['p50_ms']:>9.0f}{totals['p99_ms']:>9.0f}"
        f"{totals['worker_p50_ms']:>12.0f}{totals['worker_p99_ms']:>12.0f}  "
        f"{totals['rps']} req/s over {totals['seconds']} s, 5xx: {server_errors}"
    )
    print("refusals: " + ", ".join(f"{k} x{v}" for k, v in sorted(tally.refusals.items())))
    print("flows: " + ", ".join(f"{k} x{v}" for k, v in sorted(tally.flows.items())))
    return {"endpoints": rows, "totals": totals}


# The access log's requests by endpoint, as the clients name them (path without query).
ENDPOINTS = (
    ("GET", re.compile(r"/api/v1/itineraries/$"), "catalogue list"),
    ("GET", re.compile(r"/api/v1/itineraries/[^/]+/$"), "itinerary detail"),
    ("GET", re.compile(r"/api/v1/itineraries/[^/]+/availability/$"), "availability month"),
    ("GET", re.compile(r"/api/v1/departures/$"), "departures list"),
    ("POST", re.compile(r"/api/v1/bookings/$"), "booking create"),
    ("GET", re.compile(r"/api/v1/bookings/[^/]+/$"), "booking read"),
    ("POST", re.compile(r"/api/v1/payments/stripe/webhook/$"), "stripe webhook"),
    ("POST", re.compile(r"/api/v1/bookings/[^/]+/cancel/$"), "booking cancel"),
    ("PATCH", re.compile(r"/api/v1/bookings/[^/]+/$"), "booking change"),
    ("POST", re.compile(r"/api/v1/bookings/[^/]+/checkout/$"), "booking checkout"),
)


def server_times(path: Path) -> dict[str, list[float]]:
    """Seconds each request spent in a gunicorn worker, by endpoint (from the access log)."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in path.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        method, url, _status, micros = parts
        name = next(
            (n for m, pattern, n in ENDPOINTS if m == method and pattern.fullmatch(url)), "other"
        )
        times[name].append(int(micros) / 1e6)
    return times


def print_profile(directory: Path) -> None:
    """Per endpoint, the median request and the slowest 1 % taken apart: wall, own CPU,
    PostgreSQL, the rest (waiting for the interpreter lock, Redis, Stripe), statements."""
    rows: dict[str, list[tuple[float, float, float, int]]] = defaultdict(list)
    for path in directory.glob("*.tsv"):
        for line in path.read_text().splitlines():
            method, url, _status, wall, cpu, db, statements = line.split("\t")
            name = next(
                (n for m, pattern, n in ENDPOINTS if m == method and pattern.fullmatch(url)),
                "other",
            )
            rows[name].append((float(wall), float(cpu), float(db), int(statements)))
        path.unlink()
    directory.rmdir()
    print(f"{'in the worker, ms':<20}{'':>6}{'wall':>8}{'cpu':>8}{'db':>8}{'other':>8}{'stmts':>7}")
    for name, values in sorted(rows.items(), key=lambda item: -len(item[1])):
        values.sort()
        slowest = values[-max(len(values) // 100, 1) :]
        middle = values[len(values) // 2 - 5 : len(values) // 2 + 5] or values
        for label, group in (("p50", middle), ("top 1%", slowest)):
            mean_wall = statistics.mean(v[0] for v in group)
            mean_cpu = statistics.mean(v[1] for v in group)
            mean_db = statistics.mean(v[2] for v in group)
            mean_stmts = statistics.mean(v[3] for v in group)
            print(
                f"{name:<20}{label:>6}{mean_wall:>8.0f}{mean_cpu:>8.1f}{mean_db:>8.1f}"
                f"{mean_wall - mean_cpu - mean_db:>8.0f}{mean_stmts:>7.1f}"
            )


def start_celery(env: dict[str, str], log: Any) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen(  # noqa: S603
            [
                *(PYTHON, "-m", "celery", "-A", "backend", "worker", "--concurrency", "1"),
                *("--hostname", f"load{index}@%h", "--loglevel", "WARNING"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,  # the console e-mails
            stderr=log,
        )
        for index in range(CELERY_WORKERS)
    ]


def drain(env: dict[str, str]) -> int:
    """Wait until the outbox has no consequence left to do; how many are left at the end."""
    import psycopg

    deadline = monotonic() + DRAIN_WAIT_S
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM core_consequence WHERE done_at IS NULL"
            ).fetchone()
            left = int(row[0]) if row else 0
            if not left or monotonic() > deadline:
                return left
            sleep(0.5)


def server_log_errors(text: str) -> Counter[str]:
    """gunicorn's stderr: the errors logged, by logger and message (references blanked)."""
    errors: Counter[str] = Counter()
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            if "error" in line.lower() or "traceback" in line.lower():
                errors[f"gunicorn: {line[:120]}"] += 1
            continue
        if isinstance(entry, dict) and entry.get("level") in ("ERROR", "CRITICAL"):
            message = re.sub(r"VA-[A-Z0-9]{6}", "VA-…", str(entry.get("message", "")))
            errors[f"{entry.get('logger')}: {message[:120]}"] += 1
    return errors


def main() -> int:
    if sys.argv[1:] == ["check"]:
        print(json.dumps(check_invariants()))
        return 0
    if sys.argv[1:] == ["season"]:
        thicken_season()
        return 0
    port = free_port()
    fake, stripe_http, stripe_thread = start_stripe()
    env = load_environment(port, fake.base)
    prepare(env)
    log = tempfile.NamedTemporaryFile(prefix="load-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    access = Path(tempfile.mkstemp(prefix="load-access-", suffix=".log")[1])
    profile_dir = Path(tempfile.mkdtemp(prefix="load-profile-"))
    server = start_server(
        {**env, "LOAD_PROFILE_DIR": str(profile_dir)},
        port,
        workers=WORKERS,
        threads=THREADS,
        log=log,
        access_log=access,
        extra=SERVER_ARGS,
        app="bench.profiled_wsgi:application" if PROFILE else "backend.wsgi:application",
    )
    workers = start_celery(env, log)
    cpu_before = os.times()
    try:
        print(
            f"{CLIENTS} clients for {DURATION:.0f} s against gunicorn "
            f"({WORKERS} workers x {THREADS} threads) on 127.0.0.1:{port}",
            flush=True,
        )
        tally, elapsed = drive(port, fake)
        cpu_after = os.times()
        rss = worker_rss_mb(server)
        undone = drain(env)
    finally:
        server.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        for worker in workers:
            worker.wait(timeout=60)
        log.close()
    try:
        checks = run_checks(env)
    finally:
        fake.release.set()
        stripe_http.shutdown()
        stripe_http.server_close()
        stripe_thread.join(timeout=5)
    served = server_times(access)
    access.unlink()
    if PROFILE:
        print_profile(profile_dir)
    summary = report(tally, elapsed, served)
    client_cpu = (cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system) / elapsed
    summary["totals"]["load_process_cpu_cores"] = round(client_cpu, 2)
    print(f"the load process (clients and Stripe fake) used {client_cpu:.2f} of the 2 cores")
    violations = checks["violations"]
    if undone:
        violations["consequences not carried out"] = [f"{undone} left after {DRAIN_WAIT_S} s"]
    if fake.rejected:
        violations["Stripe fake rejected requests"] = fake.rejected[:MAX_FAILURES_KEPT]
    print("database: " + json.dumps(checks["counts"]))
    print(
        f"stripe fake: {len(fake.sessions)} sessions, {len(fake.refunds)} refunds, "
        f"{len(fake.rejected)} rejected; web worker RSS {rss:.0f} MB"
    )
    for failure in tally.failures:
        print(f"FAILURE {failure}")
    for name, items in violations.items():
        print(f"VIOLATION {name}: {len(items)}")
        for item in items[:10]:
            print(f"  {item}")
    logged = server_log_errors(Path(log.name).read_text(errors="replace"))
    for message, count in logged.most_common():
        print(f"server log ERROR x{count} {message}")
    if logged:
        print(f"(gunicorn's stderr kept in {log.name})")
    else:
        os.unlink(log.name)
    ok = not tally.failure_count and not violations and summary["totals"]["5xx"] == 0
    results = {
        "duration_s": DURATION,
        "clients": CLIENTS,
        "gunicorn": {"workers": WORKERS, "threads": THREADS, "worker_class": "gthread"},
        **summary,
        "refusals": dict(sorted(tally.refusals.items())),
        "flows": dict(sorted(tally.flows.items())),
        "failures": tally.failures,
        "database": checks["counts"],
        "violations": violations,
        "stripe_fake": {
            "sessions": len(fake.sessions),
            "refunds": len(fake.refunds),
            "rejected": len(fake.rejected),
        },
        "server_log_errors": dict(logged),
        "worker_rss_mb": round(rss, 1),
        "ok": ok,
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print("OK: no 5xx, no oversold departure, money invariant intact" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
