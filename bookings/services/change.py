"""A booking changed or cancelled, by its group or by staff: head count, options, contact,
the cancellation and its refund terms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import errors, signals
from bookings.invalidation import booking_written
from bookings.models import (
    ActorKind,
    Booking,
    BookingStatus,
    Participant,
)
from bookings.pricing import price_booking, refund_percent
from bookings.selectors import (
    refundable_cents,
)
from bookings.services.base import (
    Actor,
    Cancellation,
    _after_commit,
    _check_participants,
    _check_seats,
    _event,
    _transition,
    lock_booking,
)
from core.errors import Conflict
from core.money import percent_of
from itineraries import services as itinerary_services
from itineraries.models import DepartureKind


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
    if not locked.takes_seats():
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
        _check_not_below_named(locked, participants)
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
    booking_written(locked)
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


@transaction.atomic
def booking_billing_change(
    *,
    booking: Booking,
    actor: Actor,
    purchase_order: str | None = None,
    service_code: str | None = None,
) -> Booking:
    """Change the purchase-order (commitment) number or the Chorus Pro service code that the
    booking's next invoices carry (issued invoices never change: a correction issues a credit
    note and a new invoice, which reads these). Any status, any time: billing data is not seats.

    Locks the departure row, then the booking (the one lock order); audits which fields
    changed (their values are not personal, but the audit keeps facts only)."""
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    fields = []
    if purchase_order is not None and purchase_order != locked.purchase_order:
        locked.purchase_order = purchase_order
        fields.append("purchase_order")
    if service_code is not None and service_code != locked.service_code:
        locked.service_code = service_code
        fields.append("service_code")
    if not fields:
        return locked
    locked.save(update_fields=[*fields, "updated_at"])
    booking_written(locked)
    _event(locked, actor, "billing_changed", fields=sorted(fields))
    return locked


def _check_not_below_named(booking: Booking, participants: int) -> None:
    """The head count never drops below the participants already named on the list.

    Read under the booking lock that every write of the list takes too, so a self-registration
    cannot slip in between this count and the change. The group removes names first.
    """
    named = Participant.objects.filter(booking=booking).count()
    if participants < named:
        raise Conflict(
            errors.HEAD_COUNT_BELOW_NAMED_PARTICIPANTS,
            _(
                "%(named)d participants are named on the list: remove names from the list "
                "before lowering the number of participants to %(participants)d."
            )
            % {"named": named, "participants": participants},
            field="participants",
            extra={"named_participants": named},
        )


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
    booking_written(locked)
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
def booking_set_purchase_order(*, booking_id: int, purchase_order: str, reason: str) -> Booking:
    """Record the buyer's order reference (printed on the invoices and sent to Chorus Pro),
    which a public buyer often gives after booking; ``reason`` names who gave it (audit)."""
    locked = lock_booking(booking_id=booking_id)
    if locked.purchase_order == purchase_order:
        return locked
    previous = locked.purchase_order
    locked.purchase_order = purchase_order
    locked.save(update_fields=["purchase_order", "updated_at"])
    booking_written(locked)
    _event(
        locked,
        Actor.group(),
        "purchase_order_set",
        previous=previous,
        purchase_order=purchase_order,
        reason=reason,
    )
    return locked


def booking_audit(*, booking: Booking, actor: Actor, action: str, **data: Any) -> None:
    """Record in the booking's trail what a higher app did about it (procurement: the delivery
    recorded); the caller holds the booking's lock (``lock_booking``) in its transaction."""
    _event(booking, actor, action, **data)
