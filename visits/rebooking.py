"""A group whose public departure was cancelled moves to another date in one step (issue 18,
item 4).

A departure short of its minimum at its decision time is cancelled (``visits.go_no_go``), and so
is one the office cancels (weather, strike): each booking is cancelled with a full refund and its
credit note. Its group is then offered, on its booking page, the itinerary's other public
departures in its language with seats for all of it, and a link to ask for a private date.
``booking_rebook`` places a new booking on the date chosen with the group's details (size,
language, options, organisation, contact, billing, payment method) and copies its named
participants; payment follows as for any new booking (a card booking gets its Checkout URL).

A group that cancelled its booking itself is not offered this: it chose not to come. Twice is
refused: the ``Rebooking`` row, claimed before the booking is placed, allows one move per
cancelled booking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.inputs import Billing, BookingRequest, Contact, Organisation
from bookings.models import (
    NEED_FLAGS,
    ActorKind,
    Booking,
    BookingEvent,
    BookingStatus,
    Participant,
)
from bookings.participants import Entry, participants_replace
from bookings.placement import Placement, booking_place
from bookings.selectors import with_seats_taken
from bookings.services import Actor
from core.errors import Conflict, DomainError, InvalidInput
from itineraries.models import Departure, DepartureKind, DepartureStatus
from visits.go_no_go import REASON as MINIMUM_NOT_REACHED
from visits.models import Rebooking

DEPARTURE_CANCELLED = "departure_cancelled"
NOT_OFFERED = "rebook_not_offered"
ALREADY_REBOOKED = "already_rebooked"
IN_PROGRESS = "rebooking_in_progress"
OTHER_ITINERARY = "departure_not_offered"
# A claim whose placement failed without releasing it (a crash) is retaken after this time.
CLAIM_TIMEOUT = timedelta(minutes=2)
MOST_DATES = 10


@dataclass(frozen=True)
class Offer:
    """What the cancelled booking's page offers: why it was cancelled, the other dates, and
    whether the group already moved (``rebooked_as``: the new booking's reference)."""

    available: bool
    reason: str = ""
    departures: list[Departure] = field(default_factory=list)
    rebooked_as: str = ""
    private_dates: bool = False


def other_departures(booking: Booking, limit: int = MOST_DATES) -> list[Departure]:
    """The itinerary's public departures to come, in the group's language, with seats for the
    whole group now (annotated with ``seats_taken_now``), soonest first."""
    candidates = with_seats_taken(
        Departure.objects.filter(
            itinerary_id=booking.departure.itinerary_id,
            kind=DepartureKind.PUBLIC,
            status=DepartureStatus.SCHEDULED,
            language=booking.language,
            starts_at__gt=timezone.now(),
        ).exclude(pk=booking.departure_id)
    ).order_by("starts_at")
    found: list[Departure] = []
    for departure in candidates.iterator():
        if departure.capacity - departure.seats_taken_now >= booking.participants:  # type: ignore[attr-defined]
            found.append(departure)
            if len(found) == limit:
                break
    return found


def cancellation_reason(booking: Booking) -> str:
    """Why the booking was cancelled when its departure was, or "" when it was not (still live,
    cancelled by the group itself, or its departure still runs)."""
    if booking.status != BookingStatus.CANCELLED:
        return ""
    if booking.departure.status != DepartureStatus.CANCELLED:
        return ""
    if booking.departure.kind != DepartureKind.PUBLIC or booking.anonymised_at is not None:
        return ""
    event = booking.events.filter(action="cancelled").order_by("-at", "-id").first()
    if event is None or event.actor_kind == ActorKind.GROUP:
        return ""
    reason = (event.data or {}).get("reason")
    return MINIMUM_NOT_REACHED if reason == MINIMUM_NOT_REACHED else DEPARTURE_CANCELLED


def rebook_offer(booking: Booking) -> Offer:
    reason = cancellation_reason(booking)
    if not reason:
        return Offer(available=False)
    itinerary = booking.departure.itinerary
    moved = (
        Rebooking.objects.filter(cancelled=booking, booking__isnull=False)
        .values_list("booking__reference", flat=True)
        .first()
    )
    if moved is not None:
        return Offer(available=False, reason=reason, rebooked_as=moved)
    return Offer(
        available=True,
        reason=reason,
        departures=other_departures(booking),
        private_dates=itinerary.private_dates_allowed and itinerary.is_published,
    )


def _claim(booking: Booking) -> Rebooking:
    """The booking's one move, claimed before it is placed (refused when done or under way)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return Rebooking.objects.create(cancelled=booking, claimed_at=now)
    except IntegrityError:
        pass
    existing = Rebooking.objects.select_related("booking").get(cancelled=booking)
    if existing.booking is not None:
        raise Conflict(
            ALREADY_REBOOKED,
            _("This group has already moved to booking %(reference)s.")
            % {"reference": existing.booking.reference},
            extra={"booking": existing.booking.reference},
        )
    # A claim left by a failure: retaken by one request only (compare and set).
    stale = existing.claimed_at < now - CLAIM_TIMEOUT
    if stale and Rebooking.objects.filter(
        pk=existing.pk, booking__isnull=True, claimed_at=existing.claimed_at
    ).update(claimed_at=now):
        existing.claimed_at = now
        return existing
    raise Conflict(IN_PROGRESS, _("This move is already being made; reload the page."))


def _request(booking: Booking, departure_id: int, terms_version: str) -> BookingRequest:
    return BookingRequest(
        participants=booking.participants,
        language=booking.language,
        organisation=Organisation(
            name=booking.organisation_name,
            type=booking.organisation_type,
            siret=booking.siret,
            vat_number=booking.vat_number,
        ),
        contact=Contact(
            name=booking.contact_name, email=booking.contact_email, phone=booking.contact_phone
        ),
        payment_method=booking.payment_method,
        terms_version=terms_version,
        departure=departure_id,
        options=tuple(booking.options or ()),
        billing=Billing(
            address=booking.billing_address,
            postal_code=booking.billing_postal_code,
            city=booking.billing_city,
            country=booking.billing_country or "FR",
            purchase_order=booking.purchase_order,
            service_code=booking.service_code,
        ),
        notes=booking.notes,
    )


def _copy_participants(cancelled: Booking, placed: Booking) -> bool:
    """The cancelled booking's named participants on the new one; False when the new list
    refuses them (its lock date already passed: staff enter them)."""
    rows = list(Participant.objects.filter(booking=cancelled).order_by("pk"))
    if not rows:
        return True
    entries = [
        Entry(
            name=row.name,
            category=row.category,
            email=row.email,
            needs={
                **{flag: getattr(row, f"needs_{flag}") for flag in NEED_FLAGS},
                "details": row.needs_details,
            },
        )
        for row in rows
    ]
    try:
        participants_replace(booking=placed, entries=entries, actor=Actor.group())
    except DomainError:
        return False
    return True


def booking_rebook(*, booking: Booking, departure_id: int, terms_version: str) -> Placement:
    """Place the cancelled booking's group on another public departure of its itinerary.

    Refused (nothing written) when the booking is not one whose departure was cancelled
    (``rebook_not_offered``), when the group already moved (``already_rebooked``), for a
    departure of another itinerary (``departure_not_offered``), and with the booking rules'
    own codes (seats gone, language, lead time, terms version...)."""
    if not cancellation_reason(booking):
        raise Conflict(
            NOT_OFFERED,
            _("Only a booking whose departure was cancelled can move to another date."),
            field="booking",
        )
    target = Departure.objects.filter(pk=departure_id).only("itinerary_id").first()
    if target is None or target.itinerary_id != booking.departure.itinerary_id:
        raise InvalidInput(
            OTHER_ITINERARY,
            _("Choose one of this itinerary's other dates."),
            field="departure",
        )
    claim = _claim(booking)
    try:
        placed = booking_place(request=_request(booking, departure_id, terms_version))
    except BaseException:
        Rebooking.objects.filter(pk=claim.pk, booking__isnull=True).delete()
        raise
    Rebooking.objects.filter(pk=claim.pk).update(booking=placed.booking)
    BookingEvent.objects.create(
        booking=booking,
        actor_kind=ActorKind.GROUP,
        action="rebooked",
        data={"booking": placed.booking.reference},
    )
    BookingEvent.objects.create(
        booking=placed.booking,
        actor_kind=ActorKind.GROUP,
        action="rebooked_from",
        data={
            "booking": booking.reference,
            "participants_copied": _copy_participants(booking, placed.booking),
        },
    )
    return placed
