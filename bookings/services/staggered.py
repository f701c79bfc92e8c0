"""Two groups on staggered times (issue 14 item 3): a group larger than the sites of an itinerary
hold at once visits as two private sub-groups, the second ``Itinerary.stagger_minutes`` after
the first. One request writes both bookings, linked by ``Booking.companion``, or neither.

Each sub-group is an ordinary private booking afterwards: its own reference, link, price,
invoice, confirmation and cancellation (docs/guides.md, "Two groups on staggered times").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import errors
from bookings.inputs import BookingRequest
from bookings.invalidation import booking_written
from bookings.models import Booking, BookingStatus, PaymentMethod
from bookings.pricing import price_booking
from bookings.selectors import largest_private_group, possible_staggered_starts
from bookings.services.base import Actor, _after_commit, _check_terms, _event, new_reference
from bookings.services.create import _check_lead_time, _hold_until, _options, _party_fields
from core.errors import Conflict, InvalidInput
from core.tokens import new_token
from itineraries import services as itinerary_services
from itineraries.models import Departure, DepartureKind, Itinerary, Option

SPLIT_INVALID = "split_invalid"
STAGGERED_NOT_NEEDED = "staggered_not_needed"
STAGGERED_CARD_NOT_OFFERED = "staggered_card_not_offered"


def refuse_card(request: BookingRequest) -> None:
    """Two groups on staggered times are booked on invoice: said before anything else is asked
    (``bookings.placement`` calls this before the apps above check card payment)."""
    if request.payment_method == PaymentMethod.CARD:
        raise InvalidInput(
            STAGGERED_CARD_NOT_OFFERED,
            _("Two groups on staggered times are booked on invoice; choose payment by invoice."),
            field="payment_method",
        )


def booking_create_staggered(*, request: BookingRequest) -> list[tuple[Booking, str]]:
    """Request a private date for two sub-groups on staggered times: ``request`` is the group's
    input of the API, with ``split`` (the two sizes, summing to ``participants``) and
    ``starts_at`` (the first group's start; the second starts ``stagger_minutes`` later).

    Schedules both private departures through ``itineraries.services.departure_schedule``,
    which locks the sites (pk order, the same rows for both) and counts the first departure,
    already written, when it judges the second: the sites are checked for both groups together.
    Everything runs in one transaction: a refusal of the second departure (sites, closure)
    rolls back the first. Returns both bookings with their tokens, the first group first.
    Raises InvalidInput or Conflict.
    """
    for _attempt in range(5):
        references = (new_reference(), new_reference())
        if references[0] == references[1]:
            continue
        try:
            return _create(request, references)
        except IntegrityError:
            if not Booking.objects.filter(reference__in=references).exists():
                raise
    raise RuntimeError("Could not draw free booking references")


def _itinerary(slug: str) -> Itinerary:
    itinerary = Itinerary.objects.filter(slug=slug, is_published=True).first()
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
    return itinerary


def _check_split(itinerary: Itinerary, participants: int, split: list[int]) -> tuple[int, int]:
    """Two sub-groups for a group one private date cannot take, each one a private group."""
    largest = largest_private_group(itinerary)
    if participants <= largest:
        raise InvalidInput(
            STAGGERED_NOT_NEEDED,
            _("A group of %(n)d fits one private visit of this itinerary: book a single date.")
            % {"n": participants},
            field="split",
        )
    if len(split) != 2 or sum(split) != participants:
        raise InvalidInput(
            SPLIT_INVALID,
            _("Give the sizes of two groups that add up to the %(n)d participants.")
            % {"n": participants},
            field="split",
        )
    for index, size in enumerate(split):
        if not itinerary.min_participants <= size <= largest:
            raise InvalidInput(
                SPLIT_INVALID,
                _(
                    "Each group takes %(min)d to %(max)d participants; for a larger group, ask us "
                    "for a quote at %(email)s."
                )
                % {
                    "min": itinerary.min_participants,
                    "max": largest,
                    "email": settings.OFFICE_EMAIL,
                },
                field=f"split.{index}",
            )
    return split[0], split[1]


def _check_start(itinerary: Itinerary, starts_at: datetime, language: str) -> None:
    local = timezone.localtime(starts_at)
    if local.strftime("%H:%M") not in itinerary.private_start_times or local.second:
        raise InvalidInput(
            errors.PRIVATE_TIME_NOT_OFFERED,
            _("Private visits of this itinerary start at %(times)s.")
            % {"times": ", ".join(itinerary.private_start_times)},
            field="starts_at",
        )
    _check_lead_time(itinerary, starts_at, "starts_at")
    if language not in itinerary.languages:
        raise InvalidInput(
            errors.LANGUAGE_NOT_OFFERED,
            _("This itinerary is not offered in “%(language)s”.") % {"language": language},
            field="language",
        )


@transaction.atomic
def _create(request: BookingRequest, references: tuple[str, str]) -> list[tuple[Booking, str]]:
    _check_terms(request.terms_version)
    assert request.itinerary is not None and request.starts_at is not None  # the API's rule
    assert request.split is not None
    itinerary = _itinerary(request.itinerary)
    refuse_card(request)
    split = _check_split(itinerary, request.participants, list(request.split))
    first_start: datetime = request.starts_at
    language: str = request.language
    _check_start(itinerary, first_start, language)
    starts = (first_start, first_start + timedelta(minutes=itinerary.stagger_minutes))
    if not possible_staggered_starts(
        itinerary=itinerary, language=language, split=split, pairs=[starts]
    ):
        raise Conflict(
            errors.NO_GUIDE_AVAILABLE,
            _("Not enough guides speaking this language are free to lead both groups then."),
            field="starts_at",
        )
    options = _options(itinerary, list(request.options))
    departures = [
        itinerary_services.departure_schedule(
            itinerary=itinerary,
            starts_at=at,
            language=language,
            capacity=size,
            kind=DepartureKind.PRIVATE,
        )
        for at, size in zip(starts, split, strict=True)
    ]
    created = [
        _booking(request, reference, departure, size, options)
        for reference, departure, size in zip(references, departures, split, strict=True)
    ]
    first, second = created[0][0], created[1][0]
    first.companion, second.companion = second, first
    first.save(update_fields=["companion"])
    second.save(update_fields=["companion"])
    booking_written(first, created=True)
    booking_written(second, created=True)
    for booking, _token in created:
        other = second if booking is first else first
        _event(
            booking,
            Actor.group(),
            "created",
            status=booking.status,
            participants=booking.participants,
            companion=other.reference,
            terms_version=booking.terms_version,
        )
        _after_commit("received", booking)
    return created


def _booking(
    request: BookingRequest,
    reference: str,
    departure: Departure,
    participants: int,
    options: list[Option],
) -> tuple[Booking, str]:
    """One sub-group's private booking, priced on its own size (the minimum charge applies per
    sub-group, as for any booking)."""
    token, token_hash = new_token()
    booking = Booking(
        reference=reference,
        token_hash=token_hash,
        departure=departure,
        participants=participants,
        language=request.language,
        options=[option.code for option in options],
        payment_method=PaymentMethod.INVOICE,
        status=BookingStatus.REQUESTED,
        hold_expires_at=_hold_until(PaymentMethod.INVOICE, True, departure.starts_at),
        notes=request.notes,
        terms_version=request.terms_version,
        terms_accepted_at=timezone.now(),
        **_party_fields(request),
    )
    booking.price = price_booking(
        itinerary=departure.itinerary,
        participants=participants,
        options=options,
        language=booking.correspondence_language,
    )
    booking.total_cents = booking.price["total_cents"]
    booking.save(force_insert=True)
    return booking, token
