"""Scheduled messages (issue 18, item 3): each rule's message sent once to each group, in its
language, by the beat task ``visits.tasks.send_scheduled_messages``.

Which rules apply: the default set (rules without an itinerary), each kind replaced by the
itinerary's own rule of that kind when it has one (``effective_rules``).

When a message is due (``is_due``): at ``rule.send_at(starts_at)``, for a booking that takes
seats on a scheduled departure and still has a contact. It goes out for ``SEND_GRACE`` after
that time (a beat that was down catches up), and never for a visit already started when the
message is one "before" it. A booking made after a message's time never gets that one: a late
booking gets only the messages still ahead of it. Cancelled, declined and expired bookings get
none (they no longer take seats).

Once (``message_send``): the ``SentMessage`` row is the claim. A worker inserts it, in a short
transaction, before sending; the unique constraint on (booking, rule) makes a second worker
(or a retry of the task) fail its insert and stand back, on PostgreSQL by waiting on the first
insert. The e-mail is sent with no transaction open, then the row is marked sent. A failed
send marks it failed, to be tried again at the next run while still due; a claim whose worker
died is taken over after ``CLAIM_MINUTES``. What remains: a worker that dies between the
mail server's acceptance and the row's update sends that message twice, once the claim expires.
``tests/concurrency/test_scheduled_messages_race.py`` races two senders, with a negative control.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from bookings.models import Booking, seats_taking_q
from itineraries.models import DepartureStatus
from visits.models import MessageRule, MessageStatus, MessageTiming, SentMessage

logger = logging.getLogger(__name__)

SEND_GRACE = timedelta(days=2)
CLAIM_MINUTES = 10

# Race tests' seams (tests/concurrency): called once the message is found due, before the
# claim; and the switch that the negative control turns off (a read of "already sent?" instead
# of the claim row).
_after_due_check: Callable[[], None] | None = None
_claim_with_unique_row = True


@dataclass(frozen=True)
class Due:
    booking_id: int
    rule_id: int


def effective_rules(itinerary_id: int, rules: Iterable[MessageRule]) -> list[MessageRule]:
    """The active rules a group of this itinerary follows: its own per kind, else the default."""
    chosen: dict[str, MessageRule] = {}
    for rule in rules:
        if rule.itinerary_id is None:
            chosen.setdefault(rule.kind, rule)
    for rule in rules:
        if rule.itinerary_id == itinerary_id:
            chosen[rule.kind] = rule
    return [rule for rule in chosen.values() if rule.is_active]


def is_due(booking: Booking, rule: MessageRule, now: datetime) -> bool:
    """Whether ``rule``'s message is due to ``booking`` at ``now`` (the rules above)."""
    departure = booking.departure
    if departure.status != DepartureStatus.SCHEDULED or not booking.takes_seats(now):
        return False
    if booking.anonymised_at is not None or not booking.contact_email:
        return False
    send_at = rule.send_at(departure.starts_at)
    if booking.created_at > send_at:
        return False  # booked after this message's time: only the messages still ahead
    if rule.timing == MessageTiming.BEFORE and now >= departure.starts_at:
        return False
    return send_at <= now < send_at + SEND_GRACE


def due_messages(now: datetime | None = None) -> list[Due]:
    """Every (booking, rule) due at ``now`` and not sent nor being sent. A handful of queries
    whatever the number of bookings: the rules, the bookings in the widest window, the rows."""
    now = now or timezone.now()
    # Inactive rules too: an itinerary's inactive rule suppresses the default of its kind.
    rules = list(MessageRule.objects.all())
    if not rules:
        return []
    before = max((r.days for r in rules if r.timing == MessageTiming.BEFORE), default=0)
    after = max((r.days for r in rules if r.timing == MessageTiming.AFTER), default=0)
    bookings = list(
        Booking.objects.filter(
            seats_taking_q(now),
            anonymised_at__isnull=True,
            departure__status=DepartureStatus.SCHEDULED,
            departure__starts_at__gt=now - timedelta(days=after) - SEND_GRACE,
            departure__starts_at__lte=now + timedelta(days=before),
        ).select_related("departure")
    )
    taken = set(
        SentMessage.objects.filter(booking__in=bookings)
        .filter(
            Q(status=MessageStatus.SENT) | Q(status=MessageStatus.SENDING, claimed_until__gt=now)
        )
        .values_list("booking_id", "rule_id")
    )
    due = []
    for booking in bookings:
        for rule in effective_rules(booking.departure.itinerary_id, rules):
            if (booking.pk, rule.pk) not in taken and is_due(booking, rule, now):
                due.append(Due(booking.pk, rule.pk))
    return due


def _claim(booking: Booking, rule: MessageRule, now: datetime) -> SentMessage | None:
    """Insert the row that claims this message, or take over a failed or abandoned claim.
    None when another worker holds it or it was sent."""
    until = now + timedelta(minutes=CLAIM_MINUTES)
    language = booking.correspondence_language
    try:
        with transaction.atomic():
            return SentMessage.objects.create(
                booking=booking,
                rule=rule,
                status=MessageStatus.SENDING,
                language=language,
                attempts=1,
                claimed_until=until,
            )
    except IntegrityError:
        pass  # recorded already: by another worker, or an earlier attempt
    taken_over = SentMessage.objects.filter(booking=booking, rule=rule).filter(
        Q(status=MessageStatus.FAILED) | Q(status=MessageStatus.SENDING, claimed_until__lte=now)
    )
    if not taken_over.update(
        status=MessageStatus.SENDING, claimed_until=until, attempts=F("attempts") + 1
    ):
        return None
    return SentMessage.objects.get(booking=booking, rule=rule)


def _claim_by_reading(booking: Booking, rule: MessageRule) -> SentMessage | None:
    """The negative control's claim: read, then send. Two workers both read "not sent"."""
    if SentMessage.objects.filter(booking=booking, rule=rule).exists():
        return None
    return SentMessage(
        booking=booking,
        rule=rule,
        status=MessageStatus.SENDING,
        language=booking.correspondence_language,
        attempts=1,
    )


def message_send(*, booking_id: int, rule_id: int, now: datetime | None = None) -> bool:
    """Send ``rule``'s message to the booking once; True when this call sent it.

    Takes no row lock: the claim is the insert of the unique (booking, rule) row, committed
    before the e-mail is sent with no transaction open (see the module's docstring).
    Raises what the mail server raises, after recording the failure.
    """
    from visits.emails import scheduled_message

    now = now or timezone.now()
    booking = Booking.objects.select_related("departure__itinerary__meeting_site", "companion").get(
        pk=booking_id
    )
    itinerary_id = booking.departure.itinerary_id
    rules = MessageRule.objects.filter(Q(itinerary__isnull=True) | Q(itinerary_id=itinerary_id))
    rule = next((r for r in effective_rules(itinerary_id, rules) if r.pk == rule_id), None)
    if rule is None:
        return False  # inactive, or replaced by the itinerary's own rule of its kind
    if not is_due(booking, rule, now):
        return False
    if _after_due_check is not None:
        _after_due_check()
    record = (
        _claim(booking, rule, now) if _claim_with_unique_row else _claim_by_reading(booking, rule)
    )
    if record is None:
        return False
    try:
        scheduled_message(booking, rule).send()
    except Exception as exc:
        SentMessage.objects.filter(pk=record.pk).update(
            status=MessageStatus.FAILED, claimed_until=None, last_error=type(exc).__name__
        )
        raise
    if _claim_with_unique_row:
        SentMessage.objects.filter(pk=record.pk).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), claimed_until=None, last_error=""
        )
    else:
        SentMessage.objects.update_or_create(
            booking=booking,
            rule=rule,
            defaults={
                "status": MessageStatus.SENT,
                "sent_at": timezone.now(),
                "language": record.language,
            },
        )
    return True


def scheduled_messages_send(now: datetime | None = None) -> dict[str, int]:
    """The beat's run: send every due message; one failure does not stop the others."""
    now = now or timezone.now()
    sent = failed = 0
    for due in due_messages(now):
        try:
            sent += message_send(booking_id=due.booking_id, rule_id=due.rule_id, now=now)
        except Exception:
            failed += 1
            logger.exception(
                "scheduled message failed", extra={"booking": due.booking_id, "rule": due.rule_id}
            )
    return {"sent": sent, "failed": failed}
