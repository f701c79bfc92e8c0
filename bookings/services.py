"""Writes to bookings: create, change, cancel, confirm, decline, expire.

No-oversell invariant: every service that takes seats locks the departure row first
(``select_for_update``), then counts, then writes, in one transaction. On SQLite the
IMMEDIATE transaction mode gives the same serialisation.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bookings import errors, signals, tasks
from bookings.models import (
    ACTIVE_STATUSES,
    ALLOWED_TRANSITIONS,
    HELD_STATUSES,
    ActorKind,
    Booking,
    BookingEvent,
    BookingStatus,
    PaymentMethod,
)
from bookings.pricing import price_booking, refund_percent
from bookings.selectors import (
    largest_private_group,
    possible_private_starts,
    refundable_cents,
    seats_taken,
)
from bookings.terms import current_terms
from core.errors import Conflict, InvalidInput
from core.money import percent_of
from core.sql import CompiledQuery
from core.tasks import enqueue
from core.tokens import new_token
from itineraries import services as itinerary_services
from itineraries.models import Departure, DepartureKind, DepartureStatus, Itinerary, Option

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud safely

# Test-only switch for the negative control of the race tests; never changed in production.
_lock_departure: bool = True
# Test-only seam: called between counting the seats and writing, so that a race test can hold
# concurrent bookings there and show what the departure lock prevents.
_after_seat_count: Callable[[], None] | None = None
# Test-only seam: called between a transaction's first and second row lock, so that the lock
# order test can hold the hold-expiry job there while a cancellation takes its own locks.
_between_row_locks: Callable[[], None] | None = None
# Test-only switch for the negative control of the lock order test; never changed in production.
_expiry_locks_booking_first: bool = False


@dataclass(frozen=True)
class Actor:
    kind: str
    user: Any = None

    @classmethod
    def group(cls) -> Actor:
        return cls(ActorKind.GROUP)

    @classmethod
    def staff(cls, user: Any) -> Actor:
        return cls(ActorKind.STAFF, user)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)


@dataclass(frozen=True)
class Cancellation:
    booking: Booking
    refund_percent: int
    refund_cents: int
    already_cancelled: bool = False


def new_reference() -> str:
    return "VA-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def _event(booking: Booking, actor: Actor, action: str, **data: Any) -> BookingEvent:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    return BookingEvent.objects.create(
        booking=booking, actor_kind=actor.kind, actor=user, action=action, data=data
    )


def _after_commit(kind: str, booking: Booking, signal: Any = None, **kwargs: Any) -> None:
    """E-mail the group and tell the higher apps, once the transaction has committed."""

    def run() -> None:
        if signal is not None:
            signal.send(sender=Booking, booking=booking, **kwargs)
        enqueue(tasks.send_booking_email, booking.pk, kind)

    transaction.on_commit(run)


def _departure_with_itinerary(departure_id: int, *, lock: bool) -> QuerySet[Departure]:
    qs = Departure.objects.select_related("itinerary").filter(pk=departure_id).order_by()
    return qs.select_for_update(of=("self",)) if lock else qs


# The departure row a booking locks, with its itinerary: compiled once per thread (core.sql).
_locked_departure = CompiledQuery(partial(_departure_with_itinerary, lock=True), Departure._meta.pk)
_unlocked_departure = CompiledQuery(
    partial(_departure_with_itinerary, lock=False), Departure._meta.pk
)


def _lock_departure_row(departure_id: int) -> Departure:
    query = _locked_departure if _lock_departure else _unlocked_departure
    departure = query.get(departure_id)
    if departure is None:
        raise InvalidInput(
            errors.DEPARTURE_NOT_FOUND, _("This departure does not exist."), field="departure"
        )
    return departure


def _check_participants(itinerary: Itinerary, participants: int, *, private: bool = False) -> None:
    """A public departure takes groups up to ``max_participants``; a private date up to what
    its sites hold at once (``largest_private_group``), led by as many guides as it needs."""
    if private:
        largest = largest_private_group(itinerary)
        if itinerary.min_participants <= participants <= largest:
            return
        raise InvalidInput(
            errors.PARTICIPANTS_OUT_OF_RANGE,
            _(
                "A private visit of this itinerary takes %(min)d to %(max)d participants; for a "
                "larger group, ask us for a quote at %(email)s."
            )
            % {"min": itinerary.min_participants, "max": largest, "email": settings.OFFICE_EMAIL},
            field="participants",
        )
    if not itinerary.min_participants <= participants <= itinerary.max_participants:
        raise InvalidInput(
            errors.PARTICIPANTS_OUT_OF_RANGE,
            _("This itinerary takes groups of %(min)d to %(max)d participants.")
            % {"min": itinerary.min_participants, "max": itinerary.max_participants},
            field="participants",
        )


def _check_lead_time(itinerary: Itinerary, starts_at: datetime, field: str) -> None:
    if starts_at <= timezone.now():
        raise Conflict(errors.DEPARTURE_STARTED, _("This visit has already started."), field=field)
    if starts_at < timezone.now() + timedelta(days=itinerary.lead_time_days):
        raise InvalidInput(
            errors.LEAD_TIME,
            _("This itinerary must be booked at least %(days)d days ahead.")
            % {"days": itinerary.lead_time_days},
            field=field,
        )


def _options(itinerary: Itinerary, codes: list[str]) -> list[Option]:
    if not codes:
        return []  # most bookings take no option: no query
    found = {option.code: option for option in itinerary.options.filter(code__in=codes)}
    for index, code in enumerate(codes):
        if code not in found:
            raise InvalidInput(
                errors.UNKNOWN_OPTION,
                _("“%(code)s” is not an option of this itinerary.") % {"code": code},
                field=f"options.{index}",
            )
    return [found[code] for code in dict.fromkeys(codes)]


def _check_seats(departure: Departure, participants: int, exclude: int | None = None) -> None:
    """Expects the departure row to be locked by the caller."""
    taken = seats_taken(departure_id=departure.pk, exclude_booking_id=exclude)
    if _after_seat_count is not None:
        _after_seat_count()
    left = max(departure.capacity - taken, 0)
    if participants > left:
        raise Conflict(
            errors.SOLD_OUT,
            ngettext(
                "Only %(left)d seat is left on this departure.",
                "Only %(left)d seats are left on this departure.",
                left,
            )
            % {"left": left}
            if left
            else _("This departure is fully booked."),
            field="participants",
            extra={"seats_left": left},
        )


def _hold_until(payment_method: str, private: bool, starts_at: datetime) -> datetime:
    if payment_method == PaymentMethod.CARD and not private:
        hold = timedelta(minutes=settings.BOOKING_CARD_HOLD_MINUTES)
    else:
        hold = timedelta(days=settings.BOOKING_REQUEST_HOLD_DAYS)
    return min(timezone.now() + hold, starts_at)


def _public_departure(departure_id: int, language: str) -> Departure:
    departure = _lock_departure_row(departure_id)
    itinerary = departure.itinerary
    if (
        departure.status != DepartureStatus.SCHEDULED
        or departure.kind != DepartureKind.PUBLIC
        or not itinerary.is_published
    ):
        raise Conflict(
            errors.DEPARTURE_NOT_BOOKABLE,
            _("This departure is not open for booking."),
            field="departure",
        )
    _check_lead_time(itinerary, departure.starts_at, "departure")
    if language != departure.language:
        raise InvalidInput(
            errors.LANGUAGE_NOT_OFFERED,
            _("This departure is guided in “%(language)s”.") % {"language": departure.language},
            field="language",
        )
    return departure


def _private_departure(
    itinerary_slug: str, starts_at: datetime, language: str, participants: int
) -> Departure:
    itinerary = Itinerary.objects.filter(slug=itinerary_slug, is_published=True).first()
    if itinerary is None:
        raise InvalidInput(
            errors.ITINERARY_NOT_FOUND, _("This itinerary does not exist."), field="itinerary"
        )
    if not itinerary.private_dates_allowed:
        raise InvalidInput(
            errors.PRIVATE_DATES_NOT_ALLOWED,
            _("Private dates cannot be requested for this itinerary."),
            field="itinerary",
        )
    local = timezone.localtime(starts_at)
    if local.strftime("%H:%M") not in itinerary.private_start_times or local.second:
        raise InvalidInput(
            errors.PRIVATE_TIME_NOT_OFFERED,
            _("Private visits of this itinerary start at %(times)s.")
            % {"times": ", ".join(itinerary.private_start_times)},
            field="starts_at",
        )
    _check_lead_time(itinerary, starts_at, "starts_at")
    _check_participants(itinerary, participants, private=True)
    if language not in itinerary.languages:
        raise InvalidInput(
            errors.LANGUAGE_NOT_OFFERED,
            _("This itinerary is not offered in “%(language)s”.") % {"language": language},
            field="language",
        )
    if not possible_private_starts(
        itinerary=itinerary, language=language, participants=participants, starts=[starts_at]
    ):
        raise Conflict(
            errors.NO_GUIDE_AVAILABLE,
            _("No guide speaking this language is free to lead this visit at that time."),
            field="starts_at",
        )
    return itinerary_services.departure_schedule(
        itinerary=itinerary,
        starts_at=starts_at,
        language=language,
        capacity=participants,
        kind=DepartureKind.PRIVATE,
    )


def booking_create(*, data: dict[str, Any]) -> tuple[Booking, str]:
    """Book seats on a public departure, or request a private date.

    ``data`` is the validated input of the API (departure id, or itinerary slug and starts_at).
    Locks the departure row (public) or the sites (private, via the scheduling service), counts
    seats and writes, in one transaction. Returns the booking and its secret token, which is
    shown to the group once and stored only as a hash. Raises InvalidInput or Conflict.

    The reference is drawn at random from 30**6 values; on the rare collision the whole
    transaction is rolled back and tried again with a new one (a savepoint around every insert
    would cost two round trips while the departure is locked).
    """
    for _attempt in range(5):
        reference = new_reference()
        try:
            return _booking_create(data, reference)
        except IntegrityError:
            if not Booking.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("Could not draw a free booking reference")


def _check_terms(version: str) -> None:
    """The group must have accepted the terms of sale in force (bookings.terms)."""
    current = current_terms()
    if version != current.version:
        raise InvalidInput(
            errors.TERMS_NOT_CURRENT,
            _(
                "The terms of sale in force are version %(version)s: read them and accept them "
                "to book."
            )
            % {"version": current.version},
            field="terms_version",
            extra={"current_version": current.version},
        )


@transaction.atomic
def _booking_create(data: dict[str, Any], reference: str) -> tuple[Booking, str]:
    _check_terms(data["terms_version"])
    participants: int = data["participants"]
    private = data.get("departure") is None
    if private:
        departure = _private_departure(
            data["itinerary"], data["starts_at"], data["language"], participants
        )
    else:
        departure = _public_departure(data["departure"], data["language"])
        _check_participants(departure.itinerary, participants)
    itinerary = departure.itinerary
    options = _options(itinerary, data.get("options", []))
    if not private:
        _check_seats(departure, participants)

    payment_method = data["payment_method"]
    status = (
        BookingStatus.PENDING_PAYMENT
        if payment_method == PaymentMethod.CARD and not private
        else BookingStatus.REQUESTED
    )
    token, token_hash = new_token()
    booking = Booking(
        reference=reference,
        token_hash=token_hash,
        departure=departure,
        participants=participants,
        language=data["language"],
        options=[option.code for option in options],
        payment_method=payment_method,
        status=status,
        hold_expires_at=_hold_until(payment_method, private, departure.starts_at),
        notes=data.get("notes", ""),
        terms_version=data["terms_version"],
        terms_accepted_at=timezone.now(),
        **_party_fields(data),
    )
    booking.price = price_booking(
        itinerary=itinerary,
        participants=participants,
        options=options,
        language=booking.correspondence_language,
    )
    booking.total_cents = booking.price["total_cents"]
    booking.save(force_insert=True)
    _event(
        booking,
        Actor.group(),
        "created",
        status=status,
        participants=participants,
        terms_version=booking.terms_version,
    )
    _after_commit("received", booking)
    return booking, token


def _party_fields(data: dict[str, Any]) -> dict[str, Any]:
    organisation = data["organisation"]
    contact = data["contact"]
    billing = data.get("billing") or {}
    return {
        "organisation_name": organisation["name"],
        "organisation_type": organisation["type"],
        "siret": organisation.get("siret", ""),
        "vat_number": organisation.get("vat_number", ""),
        "contact_name": contact["name"],
        "contact_email": contact["email"],
        "contact_phone": contact.get("phone", ""),
        "billing_address": billing.get("address", ""),
        "billing_postal_code": billing.get("postal_code", ""),
        "billing_city": billing.get("city", ""),
        "billing_country": billing.get("country", "FR") or "FR",
        "purchase_order": billing.get("purchase_order", ""),
        "service_code": billing.get("service_code", ""),
    }


def _transition(booking: Booking, target: str) -> None:
    if target not in ALLOWED_TRANSITIONS[booking.status]:
        raise Conflict(
            errors.INVALID_TRANSITION,
            _("A booking that is “%(status)s” cannot become “%(target)s”.")
            % {
                "status": BookingStatus(booking.status).label,
                "target": BookingStatus(target).label,
            },
            field="status",
            extra={"current_status": booking.status},
        )


def lock_booking(*, booking_id: int, departure_id: int | None = None) -> Booking:
    """Lock a booking's departure row, then the booking row: the one lock order of every app.

    Every transaction that writes a booking, or rows that hang off it, takes its locks through
    this helper, and a higher app locks its own rows after it (payments: the payment row, then
    a refund; invoicing: the invoice counter). With one order, two transactions on the same
    booking queue on its departure instead of each holding what the other waits for
    (tests/concurrency/test_lock_order.py). ``departure_id`` saves a read when the caller
    knows it (a booking never moves to another departure). Returns the booking, re-read under
    its lock, with its departure (read after the departure's lock) and itinerary.
    """
    if departure_id is None:
        departure_id = Booking.objects.values_list("departure_id", flat=True).get(pk=booking_id)
    _lock_departure_row(departure_id)
    if _between_row_locks is not None:
        _between_row_locks()
    return _lock_booking_row(booking_id)


def _lock_booking_row(booking_id: int) -> Booking:
    """The booking's row lock alone; only ``lock_booking`` (after the departure) takes it."""
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("departure__itinerary")
        .get(pk=booking_id)
    )


def _is_live(booking: Booking) -> bool:
    """Confirmed, or held with a hold that still runs (an expired hold counts as expired)."""
    if booking.status == BookingStatus.CONFIRMED:
        return True
    return booking.status in HELD_STATUSES and bool(
        booking.hold_expires_at and booking.hold_expires_at > timezone.now()
    )


@transaction.atomic
def booking_change(
    *,
    booking: Booking,
    actor: Actor,
    participants: int | None = None,
    contact: dict[str, str] | None = None,
    notes: str | None = None,
) -> Booking:
    """Change the head count, contact or notes until the itinerary's cut-off.

    Locks the departure row, then the booking; re-checks seats (and, for a private departure,
    the sites through the scheduling service); recomputes the price; audits the change.
    """
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    departure = locked.departure
    itinerary = departure.itinerary
    if not _is_live(locked):
        raise Conflict(
            errors.INVALID_TRANSITION,
            _("This booking can no longer be changed."),
            field="status",
            extra={"current_status": locked.status},
        )
    cutoff = departure.starts_at - timedelta(hours=itinerary.change_cutoff_hours)
    if actor.kind != ActorKind.STAFF and timezone.now() >= cutoff:
        raise Conflict(
            errors.CHANGE_CUTOFF_PASSED,
            _("Changes are possible until %(hours)d hours before the visit; please call us.")
            % {"hours": itinerary.change_cutoff_hours},
            field="participants",
        )
    # The audit trail keeps the fact of a change (which fields), never personal values: a
    # contact's old address would outlive its erasure in this append-only table.
    before = {"participants": locked.participants}
    fields = ["updated_at"]
    if participants is not None and participants != locked.participants:
        _check_participants(
            itinerary, participants, private=departure.kind == DepartureKind.PRIVATE
        )
        if departure.kind == DepartureKind.PUBLIC:
            _check_seats(departure, participants, exclude=locked.pk)
        price = price_booking(
            itinerary=itinerary,
            participants=participants,
            options=list(itinerary.options.filter(code__in=locked.options)),
            language=locked.correspondence_language,
        )
        _check_no_rise_while_payment_pending(locked, price)
        locked.participants = participants
        locked.price = price
        locked.total_cents = locked.price["total_cents"]
        locked.sequence += 1
        fields += ["participants", "price", "total_cents", "sequence"]
    if contact:
        for key, value in contact.items():
            setattr(locked, f"contact_{key}", value)
            fields.append(f"contact_{key}")
    if notes is not None:
        locked.notes = notes
        fields.append("notes")
    locked.save(update_fields=fields)
    if "participants" in fields and departure.kind == DepartureKind.PRIVATE:
        # A private departure's capacity is its group: move it with the group (sites re-checked).
        itinerary_services.departure_reschedule(departure=departure, capacity=participants)
    event = _event(
        locked, actor, "changed", before=before, fields=sorted(set(fields) - {"updated_at"})
    )
    if "participants" in fields:
        # What a smaller group gets back (refund, credit note) is recorded in this transaction.
        signals.booking_changed_in_transaction.send(sender=Booking, booking=locked, event=event)
    _after_commit("changed", locked, signals.booking_changed)
    return locked


def _check_no_rise_while_payment_pending(booking: Booking, price: dict[str, Any]) -> None:
    """A card booking awaiting its payment may not raise what it owes (the total or the deposit).

    Its Checkout Session was opened for the old amount and stays payable at Stripe; paying it
    confirms the booking. Growing first would confirm it with part of the new price unpaid.
    The group adds participants once the payment is received; the balance is then due.
    """
    if booking.status != BookingStatus.PENDING_PAYMENT:
        return
    old = booking.price
    if price["total_cents"] > old["total_cents"] or int(price.get("deposit_cents") or 0) > int(
        old.get("deposit_cents") or 0
    ):
        raise Conflict(
            errors.PAYMENT_PENDING,
            _("Your payment is awaited: participants can be added once it has been received."),
            field="participants",
        )


@transaction.atomic
def booking_cancel(
    *, booking: Booking, actor: Actor, reason: str = "", full_refund: bool = False
) -> Cancellation:
    """Cancel a booking; the refund follows the itinerary's policy tiers at this moment.

    Locks the booking row. Idempotent: cancelling a cancelled booking answers the first
    cancellation. A private departure is cancelled with its only booking, freeing its sites.
    Locks the departure row before the booking, the order every booking service follows.
    """
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    departure = locked.departure
    if locked.status == BookingStatus.CANCELLED:
        event = locked.events.filter(action="cancelled").last()
        data = event.data if event else {}
        return Cancellation(
            locked, data.get("refund_percent", 0), data.get("refund_cents", 0), True
        )
    _transition(locked, BookingStatus.CANCELLED)
    if not full_refund and departure.starts_at <= timezone.now():
        raise Conflict(
            errors.DEPARTURE_STARTED,
            _("A visit that has started can no longer be cancelled online."),
            field="status",
        )
    # Read under the booking lock: no refund can be created or settled in the meantime.
    terms = cancellation_terms(locked)
    percent = 100 if full_refund else terms["refund_percent"]
    refund = percent_of(terms["refundable_cents"], percent)
    locked.status = BookingStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.hold_expires_at = None
    locked.sequence += 1
    locked.save(
        update_fields=["status", "cancelled_at", "hold_expires_at", "sequence", "updated_at"]
    )
    _event(locked, actor, "cancelled", reason=reason, refund_percent=percent, refund_cents=refund)
    if departure.kind == DepartureKind.PRIVATE:
        itinerary_services.departure_cancel(departure=departure, by=actor.user, reason=reason)
    # The refund and credit note this cancellation owes are recorded now, in its transaction,
    # by the higher apps' receivers (outbox rows): a crash after the commit cannot lose them.
    signals.booking_cancelled_in_transaction.send(
        sender=Booking, booking=locked, refund_percent=percent, refund_cents=refund
    )
    _after_commit(
        "cancelled",
        locked,
        signals.booking_cancelled,
        refund_percent=percent,
        refund_cents=refund,
        by_staff=actor.kind == ActorKind.STAFF,
    )
    return Cancellation(locked, percent, refund)


def cancellation_terms(booking: Booking) -> dict[str, int]:
    """What cancelling now would give back: the policy tier met today, applied to what was paid
    and is not already being given back (``bookings.selectors.refundable_cents``)."""
    days_before = (booking.departure.starts_at - timezone.now()).days
    percent = refund_percent(booking.departure.itinerary.cancellation_policy, days_before)
    refundable = refundable_cents(booking)
    return {
        "days_before": max(days_before, 0),
        "refund_percent": percent,
        "refund_cents": percent_of(refundable, percent),
        "amount_paid_cents": booking.amount_paid_cents,
        "refundable_cents": refundable,
    }


@transaction.atomic
def booking_confirm(*, booking: Booking, actor: Actor) -> Booking:
    """Staff confirm a request, or a payment confirms a card booking.

    Locks the departure row then the booking; re-checks seats when the hold has expired in the
    meantime (the seats may have gone). Idempotent for an already confirmed booking.
    """
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    departure = locked.departure
    if locked.status == BookingStatus.CONFIRMED:
        return locked
    _transition(locked, BookingStatus.CONFIRMED)
    if departure.kind == DepartureKind.PUBLIC:
        _check_seats(departure, locked.participants, exclude=locked.pk)
    locked.status = BookingStatus.CONFIRMED
    locked.hold_expires_at = None
    locked.sequence += 1
    locked.save(update_fields=["status", "hold_expires_at", "sequence", "updated_at"])
    _event(locked, actor, "confirmed")
    _after_commit("confirmed", locked, signals.booking_confirmed)
    return locked


@transaction.atomic
def booking_decline(*, booking: Booking, actor: Actor, reason: str = "") -> Booking:
    """Staff decline a request; a private departure is cancelled with it.

    Locks the departure row, then the booking."""
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    if locked.status == BookingStatus.DECLINED:
        return locked
    _transition(locked, BookingStatus.DECLINED)
    if locked.status != BookingStatus.REQUESTED:
        raise Conflict(
            errors.INVALID_TRANSITION, _("Only requests can be declined."), field="status"
        )
    locked.status = BookingStatus.DECLINED
    locked.hold_expires_at = None
    locked.save(update_fields=["status", "hold_expires_at", "updated_at"])
    _event(locked, actor, "declined", reason=reason)
    if locked.departure.kind == DepartureKind.PRIVATE:
        itinerary_services.departure_cancel(departure=locked.departure, by=actor.user)
    _after_commit("declined", locked)
    return locked


def bookings_expire_holds() -> int:
    """Mark the bookings whose hold has run out as expired and tell the groups.

    Seats were already free (expiry is lazy: an expired hold simply stops counting); this tidies
    the status, frees a private departure's sites, and sends the e-mail. One transaction per
    booking, so a long run never holds many locks. Each locks the departure, then the booking
    (``lock_booking``), like a cancellation of the same booking: taken the other way round, the
    two would wait on each other.
    """
    due = Booking.objects.filter(
        status__in=HELD_STATUSES, hold_expires_at__lte=timezone.now()
    ).values_list("pk", "departure_id")
    count = 0
    for pk, departure_id in list(due):
        with transaction.atomic():
            if _expiry_locks_booking_first:  # the negative control's old, wrong order
                locked = _lock_booking_row(pk)
                if _between_row_locks is not None:
                    _between_row_locks()
                _lock_departure_row(departure_id)
            else:
                locked = lock_booking(booking_id=pk, departure_id=departure_id)
            if locked.status not in HELD_STATUSES or _is_live(locked):
                continue
            locked.status = BookingStatus.EXPIRED
            locked.sequence += 1
            locked.save(update_fields=["status", "sequence", "updated_at"])
            _event(locked, Actor.system(), "expired")
            if locked.departure.kind == DepartureKind.PRIVATE:
                itinerary_services.departure_cancel(departure=locked.departure)
            _after_commit("expired", locked, signals.booking_expired)
            count += 1
    return count


def departure_cancel(*, departure: Departure, actor: Actor, reason: str = "") -> list[Booking]:
    """Cancel a whole departure (weather, strike) through the one service that does it,
    ``itineraries.services.departure_cancel``, and answer the bookings it cancelled with it
    (``bookings_cancel_for_departure``, by the ``departure_cancelling`` signal).

    Locks the departure row, then each booking in turn.
    """
    result = itinerary_services.departure_cancel(departure=departure, by=actor.user, reason=reason)
    return [item for item in result.cancelled if isinstance(item, Booking)]


def bookings_cancel_for_departure(
    *, departure: Departure, by: Any = None, reason: str = ""
) -> list[Booking]:
    """A departure is being cancelled: every live booking on it is cancelled, fully refunded.

    Runs inside the departure's cancellation, with its row locked; locks each booking in turn.
    ``by`` is the staff user who cancels, or None for the system.
    """
    actor = Actor.staff(by) if by is not None else Actor.system()
    cancelled = []
    live = Booking.objects.filter(departure=departure, status__in=ACTIVE_STATUSES).order_by("pk")
    for booking in live:
        result = booking_cancel(booking=booking, actor=actor, reason=reason, full_refund=True)
        cancelled.append(result.booking)
    return cancelled
