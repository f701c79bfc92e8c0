"""Creating a booking: on a public departure, or on a private date it schedules."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import errors, signals
from bookings.inputs import BookingRequest
from bookings.invalidation import booking_written
from bookings.models import (
    Booking,
    BookingStatus,
    PaymentMethod,
)
from bookings.pricing import price_booking
from bookings.selectors import (
    possible_private_starts,
)
from bookings.services.base import (
    Actor,
    _after_commit,
    _check_participants,
    _check_seats,
    _check_terms,
    _event,
    _lock_departure_row,
    new_reference,
)
from bookings.services.holds import release_hold_locked
from core.errors import Conflict, InvalidInput
from core.tokens import new_token
from itineraries import services as itinerary_services
from itineraries.models import Departure, DepartureKind, DepartureStatus, Itinerary, Option


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


def booking_create(*, request: BookingRequest) -> tuple[Booking, str]:
    """Book seats on a public departure, or request a private date.

    ``request`` is what the group asked for: a public departure, or an itinerary and a start.
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
            return _booking_create(request, reference)
        except IntegrityError:
            if not Booking.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("Could not draw a free booking reference")


def booking_create_quoted(
    *,
    request: BookingRequest,
    price: dict[str, Any],
    quote_number: str,
    hold_id: int | None = None,
) -> tuple[Booking, str]:
    """A confirmed booking at a price frozen elsewhere (an accepted quote, procurement).

    The same checks, seat lock and seat count as ``booking_create`` (departure row first, then
    the booking's insert), in the caller's transaction when there is one; the booking is
    confirmed at once and its price is ``price``, the snapshot the quote froze, whatever the
    catalogue says today. ``hold_id``: the quote's seat hold (``bookings.services.holds``) on
    this departure, which the booking replaces: its seats are not counted, and it is released
    under the same departure lock, so the seats pass from the hold to the booking with no
    moment where both or neither take them. Raises InvalidInput or Conflict (``sold_out``),
    nothing written.
    """
    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                return _booking_create(
                    request,
                    reference,
                    quoted_price=price,
                    quote_number=quote_number,
                    hold_id=hold_id,
                )
        except IntegrityError:
            if not Booking.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("Could not draw a free booking reference")


@transaction.atomic
def _booking_create(
    request: BookingRequest,
    reference: str,
    quoted_price: dict[str, Any] | None = None,
    quote_number: str = "",
    hold_id: int | None = None,
) -> tuple[Booking, str]:
    _check_terms(request.terms_version)
    participants = request.participants
    private = request.departure is None
    if request.departure is None:
        assert request.itinerary is not None and request.starts_at is not None  # the API's rule
        departure = _private_departure(
            request.itinerary, request.starts_at, request.language, participants
        )
    else:
        departure = _public_departure(request.departure, request.language)
        _check_participants(departure.itinerary, participants)
    itinerary = departure.itinerary
    options = _options(itinerary, list(request.options))
    if not private:
        _check_seats(departure, participants, exclude_hold=hold_id)
    if hold_id is not None:
        release_hold_locked(hold_id=hold_id, departure_id=departure.pk)

    payment_method = request.payment_method
    status = (
        BookingStatus.PENDING_PAYMENT
        if payment_method == PaymentMethod.CARD and not private
        else BookingStatus.REQUESTED
    )
    if quoted_price is not None:
        status = BookingStatus.CONFIRMED
    token, token_hash = new_token()
    booking = Booking(
        reference=reference,
        token_hash=token_hash,
        departure=departure,
        participants=participants,
        language=request.language,
        options=[option.code for option in options],
        payment_method=payment_method,
        status=status,
        hold_expires_at=(
            None
            if quoted_price is not None
            else _hold_until(payment_method, private, departure.starts_at)
        ),
        notes=request.notes,
        terms_version=request.terms_version,
        terms_accepted_at=timezone.now(),
        **_party_fields(request),
    )
    booking.price = quoted_price or price_booking(
        itinerary=itinerary,
        participants=participants,
        options=options,
        language=booking.correspondence_language,
    )
    booking.total_cents = booking.price["total_cents"]
    booking.save(force_insert=True)
    booking_written(booking, created=True)
    _event(
        booking,
        Actor.group(),
        "created",
        status=status,
        participants=participants,
        terms_version=booking.terms_version,
        **({"quote": quote_number} if quote_number else {}),
    )
    if quoted_price is not None:
        _after_commit("confirmed", booking, signals.booking_confirmed)
    else:
        _after_commit("received", booking)
    return booking, token


def _party_fields(request: BookingRequest) -> dict[str, Any]:
    organisation, contact, billing = request.organisation, request.contact, request.billing
    return {
        "organisation_name": organisation.name,
        "organisation_type": organisation.type,
        "siret": organisation.siret,
        "vat_number": organisation.vat_number,
        "contact_name": contact.name,
        "contact_email": contact.email,
        "contact_phone": contact.phone,
        "billing_address": billing.address,
        "billing_postal_code": billing.postal_code,
        "billing_city": billing.city,
        "billing_country": billing.country or "FR",
        "purchase_order": billing.purchase_order,
        "service_code": billing.service_code,
    }
