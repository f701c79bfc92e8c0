"""Personal data of bookings (GDPR): retention, the group's download, erasure.

The people in the data are the groups' contacts: name, e-mail, phone, and what the group wrote
in its notes and billing street address (``PERSONAL_FIELDS``). Organisations are legal persons;
their name, type, SIRET and VAT number stay for the office's statistics. The group's named
participants and their needs (bookings.participants) are deleted with the contact, and listed
in the download.

- A request that never became a booking (declined, expired, or cancelled before it was ever
  confirmed or paid) loses its contact ``RETENTION_UNBOOKED_REQUEST_DAYS`` after its last change.
- A booking loses its contact ``RETENTION_BOOKING_CONTACT_DAYS`` after the visit (CNIL: three
  years after the end of the business relationship). Issued invoices keep their own buyer
  snapshot for ten years (Code de commerce L123-22) and are never touched here.
- On request, staff erase a booking's contact in the admin, through ``booking_anonymise``.

Nothing is erased while the visit is to come, or while money is open: the apps above bookings
(payments, invoicing) say so through ``erasure_checks``, and add what they hold about the group
to the download through ``personal_data_sections`` (extension points; bookings never imports
them). Anonymising locks the departure row, then the booking, the order of every booking
service, so no payment or change slips in between the checks and the write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bookings import participants as participant_lists
from bookings import signin, tasks
from bookings.invalidation import booking_written
from bookings.models import (
    PERSONAL_FIELDS,
    Booking,
    BookingEvent,
    BookingStatus,
)
from bookings.services import Actor, lock_booking
from core.errors import Conflict
from core.extensions import ExtensionPoint
from core.tasks import enqueue

logger = logging.getLogger(__name__)

# Error codes (the tests import them). A higher app's check may use ERASURE_MONEY_OPEN.
ERASURE_VISIT_UPCOMING = "erasure_visit_upcoming"
ERASURE_MONEY_OPEN = "erasure_money_open"

# Why a booking was anonymised, recorded in its "anonymised" event.
REASON_UNBOOKED = "retention_unbooked"
REASON_BOOKING = "retention_booking"
REASON_REQUEST = "erasure_request"

# Events whose ``reason`` is free text written by a person (the group or staff): it may name
# someone, so it is blanked with the contact. Other events hold codes and amounts only.
FREE_TEXT_EVENTS = ("cancelled", "declined")
# An event that shows the request became a booking: confirmed, or money received.
BOOKED_EVENTS = ("confirmed", "payment_received", "payment_recorded")


@dataclass(frozen=True)
class Blocker:
    """Why a booking's personal data cannot be erased yet."""

    code: str
    message: str


@dataclass(frozen=True)
class ErasureRequest:
    booking: Booking
    blocked_by: list[Blocker] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.booking.anonymised_at is not None:
            return "done"
        return "deferred" if self.blocked_by else "pending"


ErasureCheck = Callable[[Booking], Blocker | None]
PersonalDataSection = Callable[[Booking], dict[str, Any]]

# Extension points for the apps above bookings, registered in their AppConfig.ready():
# - a check returns a Blocker while money is open (a payment running, a refund owed, an unpaid
#   invoice), or None; it is called with the booking row locked;
# - a section returns the keys it adds to the group's download (payments, invoices).
erasure_checks = ExtensionPoint[ErasureCheck]("bookings.erasure_checks")
personal_data_sections = ExtensionPoint[PersonalDataSection]("bookings.personal_data_sections")

# Test-only switch for the negative control of the race tests; never changed in production.
_row_locks_enabled: bool = True
# Test-only seam: called between the checks and the write, so that a race test can hold two
# concurrent runs there and show what the row locks prevent.
_after_checks: Callable[[], None] | None = None


def _visit_upcoming(booking: Booking) -> bool:
    """The booking still takes seats and its visit has not ended."""
    now = timezone.now()
    return booking.takes_seats(now) and booking.departure.ends_at > now


def erasure_blockers(booking: Booking) -> list[Blocker]:
    """What defers erasing this booking's contact, in a stable order (empty: nothing)."""
    blockers = []
    if _visit_upcoming(booking):
        blockers.append(
            Blocker(
                ERASURE_VISIT_UPCOMING,
                str(
                    _(
                        "The visit is still to come: we need your contact until then. Cancel "
                        "the booking first, or we erase your data after the visit."
                    )
                ),
            )
        )
    for check in erasure_checks:
        blocker = check(booking)
        if blocker is not None:
            blockers.append(blocker)
    return blockers


def _lock(booking: Booking) -> Booking:
    """Lock the departure row, then the booking, through the one helper of every app."""
    if not _row_locks_enabled:  # the race test's negative control
        return Booking.objects.select_related("departure__itinerary").get(pk=booking.pk)
    return lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)


def _audit(booking: Booking, actor: Actor, action: str, **data: Any) -> None:
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    BookingEvent.objects.create(
        booking=booking, actor_kind=actor.kind, actor=user, action=action, data=data
    )


def _scrub_events(booking: Booking) -> None:
    """Blank the free-text reasons of the booking's events.

    The one write to existing audit rows, besides the 0002 migration: it removes a person's
    words and keeps the fact (which action, when, by whom, which refund), as the audit needs.
    """
    events = BookingEvent.objects.filter(booking=booking, action__in=FREE_TEXT_EVENTS)
    for event in events.only("pk", "data"):
        if event.data.get("reason"):
            BookingEvent.objects.filter(pk=event.pk).update(data={**event.data, "reason": ""})


def booking_anonymise(*, booking: Booking, actor: Actor, reason: str) -> Booking:
    """Erase the contact of a booking; its organisation, head count, prices and history stay.

    Locks the departure row, then the booking. Idempotent: an anonymised booking is returned
    as it is. Raises Conflict (the first blocker's code, every blocker in ``blocked_by``) while
    the visit is to come or money is open. Issued invoices are not touched: they keep their own
    buyer snapshot, as the law requires.
    """
    return _anonymise(booking, actor, reason)[0]


@transaction.atomic
def _anonymise(booking: Booking, actor: Actor, reason: str) -> tuple[Booking, bool]:
    """``booking_anonymise``, also saying whether this call did the erasure."""
    locked = _lock(booking)
    if locked.anonymised_at is not None:
        return locked, False
    blockers = erasure_blockers(locked)
    if blockers:
        raise Conflict(
            blockers[0].code,
            blockers[0].message,
            field="status",
            extra={"blocked_by": [{"code": b.code, "message": b.message} for b in blockers]},
        )
    if _after_checks is not None:
        _after_checks()
    # "My bookings" sign-in links and sessions of this address go with it (bookings.signin).
    signin.sign_ins_forget(email=locked.contact_email)
    # The named participants and their needs go with the contact (bookings.participants);
    # a training booking's trainees keep their names until RETENTION_TRAINING_RECORDS_DAYS.
    if locked.training:
        participant_lists.participants_keep_for_training(locked)
        erased = 0
    else:
        erased = participant_lists.participants_erase(locked)
    for name in PERSONAL_FIELDS:
        setattr(locked, name, "")
    locked.anonymised_at = timezone.now()
    locked.save(update_fields=[*PERSONAL_FIELDS, "anonymised_at", "updated_at"])
    booking_written(locked)
    _scrub_events(locked)
    _audit(
        locked,
        actor,
        "anonymised",
        reason=reason,
        fields=list(PERSONAL_FIELDS),
        participants_erased=erased,
    )
    return locked, True


@transaction.atomic
def booking_erasure_request(*, booking: Booking, actor: Actor) -> ErasureRequest:
    """The group asks for its personal data to be erased; staff act on it in the admin.

    Records the first request only (idempotent) and answers what defers the erasure now.
    ``updated_at`` is left alone: the retention clock of a request keeps running.
    Locks the departure row, then the booking.
    """
    locked = _lock(booking)
    if locked.erasure_requested_at is None and locked.anonymised_at is None:
        locked.erasure_requested_at = timezone.now()
        locked.save(update_fields=["erasure_requested_at"])
        booking_written(locked)
        _audit(locked, actor, "erasure_requested")
        transaction.on_commit(partial(enqueue, tasks.send_erasure_request_notice, locked.pk))
    blockers = [] if locked.anonymised_at is not None else erasure_blockers(locked)
    return ErasureRequest(locked, blockers)


def erasure_request_notice(booking_id: int) -> EmailMessage:
    """The office's e-mail about an erasure request: the reference and the admin page, and no
    personal data (the message itself would outlive the erasure in a mailbox)."""
    booking = Booking.objects.get(pk=booking_id)
    admin_url = settings.SITE_URL + reverse("admin:bookings_booking_change", args=[booking.pk])
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Erasure request for booking %(reference)s") % {"reference": booking.reference}
        body = _(
            "The group of booking %(reference)s asked for its personal data to be erased. "
            "The GDPR gives us one month to act: erase them in the admin once the visit is "
            "over and nothing is owed, with the action “Erase the contact's personal data”.\n\n"
            "%(url)s\n"
        ) % {"reference": booking.reference, "url": admin_url}
    return EmailMessage(subject=str(subject), body=str(body), to=[settings.OFFICE_EMAIL])


# --- Retention ------------------------------------------------------------------------------


def _booked_ever() -> Exists:
    return Exists(BookingEvent.objects.filter(booking=OuterRef("pk"), action__in=BOOKED_EVENTS))


def bookings_past_retention(now: datetime) -> QuerySet[Booking]:
    """Bookings whose contact has outlived its retention, with the reason as ``retention``."""
    unbooked_before = now - timedelta(days=settings.RETENTION_UNBOOKED_REQUEST_DAYS)
    visit_before = now - timedelta(days=settings.RETENTION_BOOKING_CONTACT_DAYS)
    unbooked = Q(
        status__in=(BookingStatus.DECLINED, BookingStatus.EXPIRED, BookingStatus.CANCELLED),
        booked_ever=False,
        updated_at__lte=unbooked_before,
    )
    return (
        Booking.objects.filter(anonymised_at__isnull=True)
        .alias(booked_ever=_booked_ever())
        .filter(unbooked | Q(departure__starts_at__lte=visit_before))
        .order_by("pk")
    )


@dataclass
class RetentionRun:
    anonymised: int = 0
    deferred: int = 0
    training_records_erased: int = 0


def training_records_erase(*, now: datetime) -> int:
    """Erase the trainees kept past a training booking's anonymisation (their names, check-ins
    and certificates go with them) once ``RETENTION_TRAINING_RECORDS_DAYS`` have passed since
    the visit; returns how many bookings. Each under the booking's lock, as every write."""
    before = now - timedelta(days=settings.RETENTION_TRAINING_RECORDS_DAYS)
    rows = (
        Booking.objects.filter(
            training=True,
            anonymised_at__isnull=False,
            departure__starts_at__lte=before,
            participant_entries__isnull=False,
        )
        .distinct()
        .values_list("pk", "departure_id")
    )
    done = 0
    for pk, departure_id in list(rows):
        with transaction.atomic():
            locked = _lock(Booking(pk=pk, departure_id=departure_id))
            erased = participant_lists.participants_erase(locked)
            if erased:
                _audit(locked, Actor.system(), "training_records_erased", participants=erased)
                done += 1
    return done


def bookings_apply_retention(*, now: datetime | None = None) -> RetentionRun:
    """Anonymise every booking past its retention; the periodic task (Celery beat) runs it.

    One transaction per booking, so a long run holds no lock for long. Safe to run twice or on
    several workers at once: ``booking_anonymise`` re-reads the booking under its lock and
    returns early when another run got there first. A booking with money open is left for a
    later run and logged by reference (never by name).
    """
    now = now or timezone.now()
    run = RetentionRun()
    rows = bookings_past_retention(now).values_list("pk", "departure_id", "departure__starts_at")
    for pk, departure_id, starts_at in list(rows):
        visit_past = starts_at <= now - timedelta(days=settings.RETENTION_BOOKING_CONTACT_DAYS)
        reason = REASON_BOOKING if visit_past else REASON_UNBOOKED
        target = Booking(pk=pk, departure_id=departure_id)
        try:
            _booking, done = _anonymise(target, Actor.system(), reason)
        except Conflict as exc:
            logger.info("retention deferred for booking %s: %s", pk, exc.code)
            run.deferred += 1
        else:
            run.anonymised += done
    run.training_records_erased = training_records_erase(now=now)
    return run


# --- The group's download -------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def booking_personal_data(*, booking: Booking) -> dict[str, Any]:
    """Everything the office holds about the group of this booking, as JSON-ready data."""
    departure = booking.departure
    data: dict[str, Any] = {
        "format": "voyages-apprenants.personal-data.v1",
        "generated_at": _when(timezone.now()),
        "controller_contact": settings.OFFICE_EMAIL,
        "booking": {
            "reference": booking.reference,
            "status": booking.status,
            "created_at": _when(booking.created_at),
            "visit": {
                "itinerary": departure.itinerary.title,
                "starts_at": _when(departure.starts_at),
                "language": booking.language,
            },
            "participants": booking.participants,
            "participant_list": participant_lists.participants_personal_data(booking),
            "options": booking.options,
            "organisation": {
                "name": booking.organisation_name,
                "type": booking.organisation_type,
                "siret": booking.siret,
                "vat_number": booking.vat_number,
            },
            "contact": {
                "name": booking.contact_name,
                "email": booking.contact_email,
                "phone": booking.contact_phone,
            },
            "billing": {
                "address": booking.billing_address,
                "postal_code": booking.billing_postal_code,
                "city": booking.billing_city,
                "country": booking.billing_country,
                "purchase_order": booking.purchase_order,
                "service_code": booking.service_code,
            },
            "notes": booking.notes,
            "payment_method": booking.payment_method,
            "price": booking.price,
        },
        "events": [
            {"at": _when(e.at), "action": e.action, "by": e.actor_kind, "data": e.data}
            for e in booking.events.order_by("at", "pk")
        ],
        "erasure": {
            "requested_at": _when(booking.erasure_requested_at),
            "anonymised_at": _when(booking.anonymised_at),
        },
        "retention": {
            "request_never_booked": {
                "days_after_last_change": settings.RETENTION_UNBOOKED_REQUEST_DAYS
            },
            "contact": {"days_after_visit": settings.RETENTION_BOOKING_CONTACT_DAYS},
            "training_records": {
                "days_after_visit": settings.RETENTION_TRAINING_RECORDS_DAYS,
                "applies": booking.training,
            },
            "invoices": {"years": 10, "rule": "Code de commerce, art. L123-22"},
        },
    }
    for section in personal_data_sections:
        data.update(section(booking))
    return data
