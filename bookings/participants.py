"""A booking's named participants and its self-registration link (issue 18, first slice).

The organiser replaces the whole list with the booking's token (``participants_replace``); or
shares a self-registration link (``registration_link_issue``/``registration_link_revoke``) with
which each participant adds themselves (``participant_self_register``) and later corrects their
own entry with the secret returned once (``participant_self_update``).

Rules, the same for every write: the list never exceeds the booking's head count; it locks
``PARTICIPANTS_LOCK_DAYS`` before the visit, after which only staff change it; a cancelled,
declined, expired or anonymised booking's list no longer changes. Each write locks the
departure row, then the booking (``lock_booking``), so two self-registrations cannot both take
the last place.

Needs are personal data read by staff and by the guides assigned to the departure (guides
reads them in its schedule, ``guides.selectors.guide_schedule``), never by another group or
through the self-registration link. When a participant needs step-free access and a site of
the itinerary (its meeting point or a stop) is not wheelchair accessible, the answer warns,
and the booking's audit trail records it for staff (counts and site slugs only, never a name).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.invalidation import booking_written
from bookings.models import (
    NEED_FLAGS,
    Booking,
    BookingEvent,
    Participant,
    ParticipantSource,
    RegistrationLink,
)
from bookings.services import Actor, lock_booking
from bookings.signals import accessibility_warning_raised
from core.errors import Conflict, InvalidInput
from core.tokens import hash_token, new_token
from itineraries.models import Site

# Error codes (the tests and the frontend use them).
PARTICIPANTS_OVER_HEAD_COUNT = "participants_over_head_count"
PARTICIPANTS_LOCKED = "participants_locked"
PARTICIPANTS_BOOKING_CLOSED = "participants_booking_closed"
PARTICIPANT_UNKNOWN = "participant_unknown"
STEP_FREE_ACCESS_LACKING = "step_free_access_lacking"


@dataclass(frozen=True)
class Entry:
    """One participant as sent: ``id`` names an existing entry to keep, None a new one."""

    name: str
    category: str
    needs: dict[str, Any]
    email: str = ""
    id: int | None = None


@dataclass(frozen=True)
class AccessWarning:
    code: str
    message: str
    sites: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParticipantList:
    booking: Booking
    participants: list[Participant]
    warnings: list[AccessWarning]


def lock_at(booking: Booking) -> datetime:
    """When the group's list locks: ``PARTICIPANTS_LOCK_DAYS`` before the visit starts."""
    return booking.departure.starts_at - timedelta(days=settings.PARTICIPANTS_LOCK_DAYS)


def is_locked(booking: Booking, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= lock_at(booking)


def sites_without_step_free_access(booking: Booking) -> list[Site]:
    """The itinerary's sites (meeting point and stops) that lack step-free access."""
    itinerary = booking.departure.itinerary
    sites = {stop.site.pk: stop.site for stop in itinerary.stops.select_related("site")}
    if itinerary.meeting_site is not None:
        sites.setdefault(itinerary.meeting_site.pk, itinerary.meeting_site)
    return sorted(
        (site for site in sites.values() if not site.wheelchair_accessible),
        key=lambda site: site.slug,
    )


def accessibility_warnings(
    booking: Booking, participants: Iterable[Participant]
) -> list[AccessWarning]:
    if not any(p.needs_reduced_mobility for p in participants):
        return []
    lacking = sites_without_step_free_access(booking)
    if not lacking:
        return []
    names = ", ".join(site.name for site in lacking)
    message = _(
        "A participant has reduced mobility, and these places of the visit have no step-free "
        "access: %(sites)s. The office will contact you to adapt the visit."
    ) % {"sites": names}
    return [AccessWarning(STEP_FREE_ACCESS_LACKING, str(message), [site.slug for site in lacking])]


def participants_of(booking: Booking) -> ParticipantList:
    """The booking's list as its organiser or staff read it, with its warnings."""
    rows = list(Participant.objects.filter(booking=booking).order_by("created_at", "pk"))
    return ParticipantList(booking, rows, accessibility_warnings(booking, rows))


# --- Writes ---------------------------------------------------------------------------------


def _check_open(booking: Booking, actor: Actor) -> None:
    if booking.anonymised_at is not None or not booking.takes_seats():
        raise Conflict(
            PARTICIPANTS_BOOKING_CLOSED,
            _("This booking is no longer active: its participants cannot change."),
            field="participants",
        )
    if actor.kind != "staff" and is_locked(booking):
        local = timezone.localtime(lock_at(booking))
        raise Conflict(
            PARTICIPANTS_LOCKED,
            _(
                "The list of participants was locked on %(date)s, %(days)d days before the "
                "visit. Please contact the office to change it."
            )
            % {"date": f"{local:%d/%m/%Y}", "days": settings.PARTICIPANTS_LOCK_DAYS},
            field="participants",
        )


def _check_head_count(booking: Booking, count: int) -> None:
    if count > booking.participants:
        raise InvalidInput(
            PARTICIPANTS_OVER_HEAD_COUNT,
            _(
                "The booking is for %(head_count)d people: the list cannot have more names. "
                "Change the number of participants first."
            )
            % {"head_count": booking.participants},
            field="participants",
        )


def _apply(row: Participant, entry: Entry) -> None:
    row.name = entry.name.strip()
    row.category = entry.category
    row.email = entry.email
    for flag in NEED_FLAGS:
        setattr(row, f"needs_{flag}", bool(entry.needs.get(flag, False)))
    row.needs_details = str(entry.needs.get("details", "")).strip()


def _mobility_count(rows: Iterable[Participant]) -> int:
    return sum(1 for row in rows if row.needs_reduced_mobility)


def _written(booking: Booking, actor: Actor, before: list[Participant], action: str) -> None:
    """Audit the write (counts only, no personal value) and the warning when it starts."""
    after = list(Participant.objects.filter(booking=booking))
    user = actor.user if getattr(actor.user, "is_authenticated", False) else None
    BookingEvent.objects.create(
        booking=booking,
        actor_kind=actor.kind,
        actor=user,
        action=action,
        data={"count": len(after)},
    )
    warnings = accessibility_warnings(booking, after)
    if warnings and _mobility_count(after) > _mobility_count(before):
        event = BookingEvent.objects.create(
            booking=booking,
            actor_kind=actor.kind,
            actor=user,
            action="accessibility_warning",
            data={
                "code": STEP_FREE_ACCESS_LACKING,
                "reduced_mobility": _mobility_count(after),
                "sites": warnings[0].sites,
            },
        )
        # Staff and the guides are told by e-mail (visits.access_alerts), after commit.
        transaction.on_commit(
            partial(
                accessibility_warning_raised.send,
                sender=Booking,
                booking=booking,
                event_id=event.pk,
            )
        )
    booking_written(booking)


@transaction.atomic
def participants_replace(
    *, booking: Booking, entries: list[Entry], actor: Actor
) -> ParticipantList:
    """Replace the booking's whole list (the organiser's token, or staff): entries with an
    ``id`` keep that entry (and a self-registrant's secret), the others are new, and entries
    not sent are deleted. All or nothing."""
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    _check_open(locked, actor)
    _check_head_count(locked, len(entries))
    before = list(Participant.objects.filter(booking=locked))
    existing = {row.pk: row for row in before}
    kept: set[int] = set()
    source = ParticipantSource.STAFF if actor.kind == "staff" else ParticipantSource.ORGANISER
    for index, entry in enumerate(entries):
        if entry.id is not None:
            if entry.id not in existing or entry.id in kept:
                raise InvalidInput(
                    PARTICIPANT_UNKNOWN,
                    _("This participant is not on the booking's list."),
                    field=f"participants.{index}.id",
                )
            kept.add(entry.id)
    Participant.objects.filter(booking=locked).exclude(pk__in=kept).delete()
    for entry in entries:
        row = (
            existing[entry.id]
            if entry.id is not None
            else Participant(booking=locked, entered_by=source)
        )
        _apply(row, entry)
        row.save()
    _written(locked, actor, before, "participants_replaced")
    return participants_of(locked)


@transaction.atomic
def registration_link_issue(*, booking: Booking, actor: Actor) -> str:
    """A new self-registration token for the booking; it replaces any earlier one."""
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    _check_open(locked, actor)
    token, token_hash = new_token()
    RegistrationLink.objects.update_or_create(booking=locked, defaults={"token_hash": token_hash})
    BookingEvent.objects.create(
        booking=locked, actor_kind=actor.kind, action="registration_link_issued"
    )
    return token


@transaction.atomic
def registration_link_revoke(*, booking: Booking, actor: Actor) -> None:
    """The self-registration link stops working; the entries made with it stay."""
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    deleted, _rows = RegistrationLink.objects.filter(booking=locked).delete()
    if deleted:
        BookingEvent.objects.create(
            booking=locked, actor_kind=actor.kind, action="registration_link_revoked"
        )


def booking_for_registration(*, reference: str, token: str | None) -> Booking | None:
    """The booking this self-registration token opens, or None."""
    if not token or len(token) > 200:
        return None
    link = (
        RegistrationLink.objects.select_related("booking__departure__itinerary")
        .filter(booking__reference=reference, token_hash=hash_token(token))
        .first()
    )
    return link.booking if link is not None else None


def places_left(booking: Booking) -> int:
    return max(0, booking.participants - Participant.objects.filter(booking=booking).count())


@dataclass(frozen=True)
class SelfRegistration:
    participant: Participant
    secret: str
    warnings: list[AccessWarning]


@transaction.atomic
def participant_self_register(*, booking: Booking, entry: Entry) -> SelfRegistration:
    """A participant adds themselves with the booking's self-registration link."""
    actor = Actor.group()
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    _check_open(locked, actor)
    before = list(Participant.objects.filter(booking=locked))
    _check_head_count(locked, len(before) + 1)
    secret, secret_hash = new_token()
    row = Participant(booking=locked, entered_by=ParticipantSource.SELF, secret_hash=secret_hash)
    _apply(row, entry)
    row.save()
    _written(locked, actor, before, "participant_self_registered")
    return SelfRegistration(row, secret, accessibility_warnings(locked, [row]))


def participant_for_secret(*, reference: str, pk: int, secret: str | None) -> Participant | None:
    """The self-registered entry this secret opens, or None."""
    if not secret or len(secret) > 200:
        return None
    return (
        Participant.objects.select_related("booking__departure__itinerary")
        .filter(booking__reference=reference, pk=pk, secret_hash=hash_token(secret))
        .first()
    )


@transaction.atomic
def participant_self_update(*, participant: Participant, entry: Entry) -> SelfRegistration:
    """A self-registered participant corrects their own entry (before the lock date)."""
    actor = Actor.group()
    booking = participant.booking
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    _check_open(locked, actor)
    before = list(Participant.objects.filter(booking=locked))
    row = Participant.objects.get(pk=participant.pk)
    _apply(row, entry)
    row.save()
    _written(locked, actor, before, "participant_self_updated")
    return SelfRegistration(row, "", accessibility_warnings(locked, [row]))


def participants_erase(booking: Booking) -> int:
    """Delete the booking's participants and its self-registration link (bookings.retention,
    with the booking row locked). Returns how many participants were erased."""
    RegistrationLink.objects.filter(booking=booking).delete()
    deleted, _rows = Participant.objects.filter(booking=booking).delete()
    return deleted


def participants_keep_for_training(booking: Booking) -> int:
    """A training booking's anonymisation (bookings.retention): the trainees' names stay, for
    their certificates of completion and the sign-in sheets the training body must be able to
    show (``RETENTION_TRAINING_RECORDS_DAYS``); their needs, e-mails and self-registration
    secrets go, with the self-registration link. Returns how many entries were stripped."""
    RegistrationLink.objects.filter(booking=booking).delete()
    blank = {f"needs_{flag}": False for flag in NEED_FLAGS}
    return Participant.objects.filter(booking=booking).update(
        **blank, needs_details="", email="", secret_hash=""
    )


def participants_personal_data(booking: Booking) -> list[dict[str, Any]]:
    """The booking's participants as the group's download lists them."""
    return [
        {
            "name": row.name,
            "category": row.category,
            "needs": row.needs(),
            "email": row.email,
            "entered_by": row.entered_by,
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
        }
        for row in Participant.objects.filter(booking=booking).order_by("created_at", "pk")
    ]
