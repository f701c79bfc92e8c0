"""Writes to quotes: create, revise, extend, decline, accept (each in a transaction, audited).

Numbering: the ``QuoteSequence`` row of the year, locked with ``select_for_update()`` in the
transaction that inserts the quote, as ``invoicing`` numbers invoices: D2026-000001, 2, 3...
with no gap (a rolled-back creation rolls its number back too). Everything is validated first.

Seats: an open quote on a public departure holds its seats through a seat hold
(``bookings.services.holds``, counted by the one seat count): placed with the version (``sold_out``
if the seats are not left), extended with the validity, released when the quote is declined,
revised (the new version places its own) or expired (``quotes_release_expired_holds``, beat).
Acceptance books through ``bookings.services.booking_create_quoted(hold_id=...)``, which locks the
departure row, counts without the quote's hold, inserts and releases the hold in the
acceptance's transaction (docs/procurement.md, "Seats").

Lock order: the quote row, then (inside the bookings services) the departure, then the booking's
insert or the hold's row. No transaction locks a quote after a departure, so no cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings import errors as booking_errors
from bookings.inputs import BookingRequest
from bookings.models import ACTIVE_STATUSES, PaymentMethod
from bookings.placement import placement_checks_run
from bookings.pricing import price_booking
from bookings.services import (
    Actor,
    booking_create_quoted,
    booking_set_purchase_order,
    seat_hold_extend,
    seat_hold_place,
    seat_hold_release,
)
from bookings.services.training import booking_set_training
from core.errors import Conflict, InvalidInput
from core.numbering import take_next
from core.tasks import enqueue
from core.tokens import hash_token, new_token, token_matches
from invoicing.training import exempt_price, training_vat_exempt_applies
from itineraries.models import Departure, DepartureKind, DepartureStatus, Itinerary
from procurement import errors
from procurement.models import (
    Quote,
    QuoteAcceptance,
    QuoteDocument,
    QuoteDocumentKind,
    QuoteEvent,
    QuoteLink,
    QuoteSequence,
    QuoteStatus,
    QuoteVersion,
    ServiceCertification,
)
from procurement.terms import payment_schedule

# Test-only seam: called after acceptance has locked the quote and before it books, so that a
# race test can hold it there while the seats are sold. Never set in production.
_before_booking: Callable[[], None] | None = None
# Test-only switch for the negative control of the double-acceptance race; never changed.
_quote_lock_enabled: bool = True


def _take_number(year: int) -> str:
    """The year's next quote number (core.numbering); the caller's transaction holds it."""
    return f"D{year}-{take_next(QuoteSequence, year=year):06d}"


def free_places(*, pupils: int, staff: int) -> int:
    """One accompanying adult free per ``QUOTE_PUPILS_PER_FREE_PLACE`` pupils, up to the staff."""
    ratio = int(settings.QUOTE_PUPILS_PER_FREE_PLACE)
    if ratio <= 0:
        return 0
    return min(staff, pupils // ratio)


def _target(data: dict[str, Any]) -> tuple[Itinerary, Departure | None, datetime]:
    """The itinerary and date quoted; the full booking checks run again at acceptance."""
    if data.get("departure") is not None:
        departure = (
            Departure.objects.select_related("itinerary").filter(pk=data["departure"]).first()
        )
        if (
            departure is None
            or departure.kind != DepartureKind.PUBLIC
            or departure.status != DepartureStatus.SCHEDULED
            or not departure.itinerary.is_published
        ):
            raise InvalidInput(
                booking_errors.DEPARTURE_NOT_BOOKABLE,
                _("This departure is not open for booking."),
                field="departure",
            )
        if departure.starts_at <= timezone.now():
            raise Conflict(
                booking_errors.DEPARTURE_STARTED,
                _("This visit has already started."),
                field="departure",
            )
        if data["language"] != departure.language:
            raise InvalidInput(
                booking_errors.LANGUAGE_NOT_OFFERED,
                _("This departure is guided in “%(language)s”.") % {"language": departure.language},
                field="language",
            )
        return departure.itinerary, departure, departure.starts_at
    itinerary = Itinerary.objects.filter(slug=data["itinerary"], is_published=True).first()
    if itinerary is None:
        raise InvalidInput(
            booking_errors.ITINERARY_NOT_FOUND,
            _("This itinerary does not exist."),
            field="itinerary",
        )
    if not itinerary.private_dates_allowed:
        raise InvalidInput(
            booking_errors.PRIVATE_DATES_NOT_ALLOWED,
            _("Private dates cannot be requested for this itinerary."),
            field="itinerary",
        )
    if data["starts_at"] <= timezone.now():
        raise Conflict(
            booking_errors.DEPARTURE_STARTED,
            _("This visit has already started."),
            field="starts_at",
        )
    if data["language"] not in itinerary.languages:
        raise InvalidInput(
            booking_errors.LANGUAGE_NOT_OFFERED,
            _("This itinerary is not offered in “%(language)s”.") % {"language": data["language"]},
            field="language",
        )
    return itinerary, None, data["starts_at"]


def _options(itinerary: Itinerary, codes: list[str]) -> list[Any]:
    found = {option.code: option for option in itinerary.options.filter(code__in=codes)}
    for index, code in enumerate(codes):
        if code not in found:
            raise InvalidInput(
                booking_errors.UNKNOWN_OPTION,
                _("“%(code)s” is not an option of this itinerary.") % {"code": code},
                field=f"options.{index}",
            )
    return [found[code] for code in dict.fromkeys(codes)]


def _booking_request(data: dict[str, Any], participants: int) -> dict[str, Any]:
    """The booking body acceptance sends to the bookings service, JSON-safe."""
    request: dict[str, Any] = {
        "participants": participants,
        "language": data["language"],
        "options": list(dict.fromkeys(data.get("options", []))),
        "organisation": dict(data["organisation"]),
        "contact": dict(data["contact"]),
        "billing": dict(data.get("billing") or {}),
        "payment_method": PaymentMethod.INVOICE.value,
        "notes": data.get("notes", ""),
        "terms_version": data["terms_version"],
    }
    if data.get("departure") is not None:
        request["departure"] = data["departure"]
    else:
        request["itinerary"] = data["itinerary"]
        request["starts_at"] = data["starts_at"].isoformat()
    return request


def _write_version(
    quote: Quote, version: int, data: dict[str, Any], valid_until: datetime, user: Any
) -> QuoteVersion:
    from procurement.documents import render_quote_pdf

    itinerary, departure, starts_at = _target(data)
    options = _options(itinerary, data.get("options", []))
    categories = data["categories"]
    pupils, adults, staff = categories["pupils"], categories["adults"], categories["staff"]
    participants = pupils + adults + staff
    if participants < 1:
        raise InvalidInput(
            booking_errors.PARTICIPANTS_OUT_OF_RANGE,
            _("A quote is for one participant at least."),
            field="categories",
        )
    if departure is not None and not (
        itinerary.min_participants <= participants <= itinerary.max_participants
    ):
        raise InvalidInput(
            booking_errors.PARTICIPANTS_OUT_OF_RANGE,
            _("This departure takes groups of %(min)d to %(max)d participants.")
            % {"min": itinerary.min_participants, "max": itinerary.max_participants},
            field="categories",
        )
    free = free_places(pupils=pupils, staff=staff)
    price = price_booking(
        itinerary=itinerary,
        participants=participants - free,
        options=options,
        language=data["language"],
    )
    training = bool(data.get("training", False))
    if training and training_vat_exempt_applies():
        # Quoted without VAT, as it will be invoiced (invoicing.training: the net stays).
        price = exempt_price(price)
    schedule = payment_schedule(
        organisation_type=data["organisation"]["type"],
        price=price,
        starts_at=starts_at,
        valid_until=valid_until,
    )
    row = QuoteVersion(
        quote=quote,
        version=version,
        itinerary=itinerary,
        departure=departure,
        starts_at=starts_at,
        pupils=pupils,
        adults=adults,
        staff=staff,
        free_places=free,
        options=[option.code for option in options],
        objectives=data.get("objectives", ""),
        training=training,
        request=_booking_request(data, participants),
        price=price,
        total_cents=price["total_cents"],
        valid_until=valid_until,
        payment_schedule=schedule,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    pdf = render_quote_pdf(quote, row)
    row.pdf = pdf
    row.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    row.save(force_insert=True)
    return row


def _buyer_fields(data: dict[str, Any]) -> dict[str, Any]:
    organisation, contact = data["organisation"], data["contact"]
    billing = data.get("billing") or {}
    return {
        "language": data["language"],
        "organisation_type": organisation["type"],
        "organisation_name": organisation["name"],
        "siret": organisation.get("siret", ""),
        "vat_number": organisation.get("vat_number", ""),
        "service_code": billing.get("service_code", ""),
        "commitment_number_follows": data.get("commitment_number_follows", False),
        "contact_name": contact["name"],
        "contact_email": contact["email"],
        "contact_phone": contact.get("phone", ""),
    }


def _validity_end() -> datetime:
    return timezone.now() + timedelta(days=int(settings.QUOTE_VALIDITY_DAYS))


def _event(quote: Quote, action: str, user: Any = None, **data: Any) -> None:
    actor = user if getattr(user, "is_authenticated", False) else None
    QuoteEvent.objects.create(quote=quote, action=action, actor=actor, data=data)


@transaction.atomic
def quote_create(*, data: dict[str, Any], user: Any = None) -> tuple[Quote, str]:
    """A new quote (version 1) and its secret token, shown once and stored as a hash."""
    _target(data)  # refuse a bad target before a number is taken
    token, token_hash = new_token()
    valid_until = _validity_end()
    quote = Quote(
        number="",
        token_hash=token_hash,
        valid_until=valid_until,
        **_buyer_fields(data),
    )
    quote.number = _take_number(timezone.localdate().year)
    quote.save(force_insert=True)
    row = _write_version(quote, 1, data, valid_until, user)
    _hold_seats(quote, row)
    _event(quote, "created", user, version=1)
    _email_after_commit(quote, "sent")
    return quote, token


def _email_after_commit(quote: Quote, kind: str) -> None:
    """E-mail the quote (PDF and a fresh secret link) once the change has committed."""
    from procurement import tasks

    transaction.on_commit(lambda: enqueue(tasks.send_quote_email, quote.pk, kind))


def quote_link_issue(*, quote: Quote, reason: str) -> str:
    """A fresh secret link token to the quote's page; only its hash is stored."""
    token, token_hash = new_token()
    QuoteLink.objects.create(quote=quote, token_hash=token_hash, reason=reason)
    return token


def quote_token_matches(quote: Quote | None, token: str | None) -> bool:
    """The creation token or any e-mailed link's; the same cost for an unknown quote."""
    if quote is None:
        token_matches(token, "0" * 64)
        return False
    if token_matches(token, quote.token_hash):
        return True
    if not token or len(token) > 200:
        return False
    return QuoteLink.objects.filter(quote=quote, token_hash=hash_token(token)).exists()


def _hold_seats(quote: Quote, row: QuoteVersion) -> None:
    """Hold the version's seats on its public departure until the quote's validity ends (a
    private date is the group's alone: nothing to hold). ``sold_out`` rolls the write back."""
    if row.departure_id is None:
        quote.seat_hold = None
    else:
        quote.seat_hold = seat_hold_place(
            departure_id=row.departure_id,
            seats=row.participants,
            expires_at=quote.valid_until,
            reason=f"quote {quote.number}",
        )
    quote.save(update_fields=["seat_hold", "updated_at"])


def _release_seats(quote: Quote) -> None:
    if quote.seat_hold_id is not None:
        seat_hold_release(hold_id=quote.seat_hold_id)


def lock_quote(quote: Quote) -> Quote:
    """The quote row, locked: the first lock of every quote write (see the module's order)."""
    return _lock(quote)


def quote_event(quote: Quote, action: str, user: Any = None, **data: Any) -> None:
    """Record a change in the quote's trail (``QuoteEvent``); for procurement's own modules."""
    _event(quote, action, user, **data)


def _lock(quote: Quote) -> Quote:
    rows = Quote.objects.filter(pk=quote.pk)
    return (rows.select_for_update() if _quote_lock_enabled else rows).get()


def _check_open(quote: Quote, *, for_acceptance: bool = False) -> None:
    status = quote.effective_status()
    if status == QuoteStatus.ACCEPTED:
        raise Conflict(errors.QUOTE_ALREADY_ACCEPTED, _("This quote has already been accepted."))
    if status == QuoteStatus.DECLINED:
        raise Conflict(errors.QUOTE_NOT_OPEN, _("This quote has been declined."))
    if status == QuoteStatus.EXPIRED and for_acceptance:
        raise Conflict(
            errors.QUOTE_EXPIRED,
            _("This quote expired on %(date)s; ask us to extend it.")
            % {"date": timezone.localtime(quote.valid_until).strftime("%Y-%m-%d")},
        )


@transaction.atomic
def quote_revise(*, quote: Quote, data: dict[str, Any], user: Any) -> Quote:
    """Staff: a new version supersedes the current one (kept readable), valid from now."""
    locked = _lock(quote)
    _check_open(locked)
    now = timezone.now()
    QuoteVersion.objects.filter(quote=locked, superseded_at__isnull=True).update(superseded_at=now)
    version = locked.current_version + 1
    locked.valid_until = _validity_end()
    for name, value in _buyer_fields(data).items():
        setattr(locked, name, value)
    locked.current_version = version
    locked.status = QuoteStatus.SENT
    locked.save()
    row = _write_version(locked, version, data, locked.valid_until, user)
    _release_seats(locked)
    _hold_seats(locked, row)
    _event(locked, "revised", user, version=version)
    _email_after_commit(locked, "revised")
    return locked


@transaction.atomic
def quote_extend(*, quote: Quote, days: int, user: Any) -> Quote:
    """Staff: push the validity ``days`` further, from today if it has already passed."""
    locked = _lock(quote)
    _check_open(locked)
    start = max(locked.valid_until, timezone.now())
    locked.valid_until = start + timedelta(days=days)
    if locked.seat_hold_id is not None:
        # A hold that ran out takes its seats again only if they are left (sold_out otherwise).
        seat_hold_extend(hold_id=locked.seat_hold_id, expires_at=locked.valid_until)
    row = _extended_version(locked, current_version(locked), user)
    locked.current_version = row.version
    locked.save(update_fields=["valid_until", "current_version", "updated_at"])
    _event(
        locked,
        "extended",
        user,
        days=days,
        valid_until=locked.valid_until.isoformat(),
        version=row.version,
    )
    _email_after_commit(locked, "extended")
    return locked


def _extended_version(quote: Quote, previous: QuoteVersion, user: Any) -> QuoteVersion:
    """The same frozen content (price, participants, schedule's amounts) as a new version whose
    PDF states the new validity and the deposit's new due date; ``previous`` is superseded and
    stays readable with the PDF it was sent with (an acceptance records which one it read)."""
    from procurement.documents import render_quote_pdf

    now = timezone.now()
    QuoteVersion.objects.filter(pk=previous.pk).update(superseded_at=now)
    schedule = dict(previous.payment_schedule or {})
    if schedule.get("deposit_due"):
        schedule["deposit_due"] = timezone.localtime(quote.valid_until).date().isoformat()
    row = QuoteVersion(
        quote=quote,
        version=previous.version + 1,
        itinerary=previous.itinerary,
        departure=previous.departure,
        starts_at=previous.starts_at,
        pupils=previous.pupils,
        adults=previous.adults,
        staff=previous.staff,
        free_places=previous.free_places,
        options=previous.options,
        objectives=previous.objectives,
        training=previous.training,
        request=previous.request,
        price=previous.price,
        total_cents=previous.total_cents,
        valid_until=quote.valid_until,
        payment_schedule=schedule,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    pdf = render_quote_pdf(quote, row)
    row.pdf = pdf
    row.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    row.save(force_insert=True)
    return row


@transaction.atomic
def quote_decline(*, quote: Quote, reason: str, user: Any) -> Quote:
    """Staff: the quote is closed with a reason; it can no longer be accepted."""
    locked = _lock(quote)
    _check_open(locked)
    locked.status = QuoteStatus.DECLINED
    locked.decline_reason = reason
    locked.save(update_fields=["status", "decline_reason", "updated_at"])
    _release_seats(locked)
    _event(locked, "declined", user, reason=reason)
    return locked


def current_version(quote: Quote) -> QuoteVersion:
    return QuoteVersion.objects.get(quote=quote, version=quote.current_version)


@dataclass(frozen=True)
class Upload:
    """A PDF the buyer sends: its bytes, already read within ``QUOTE_UPLOAD_MAX_BYTES``."""

    kind: str  # QuoteDocumentKind
    content: bytes


@dataclass(frozen=True)
class Accepted:
    """The accepted quote and its booking's secret token (shown once, to the buyer)."""

    quote: Quote
    booking_token: str


def check_upload(*, kind: str, content: bytes, content_type: str, field: str) -> Upload:
    """A PDF by its type and its first bytes, within the size limit; else ``invalid_document``."""
    limit = int(settings.QUOTE_UPLOAD_MAX_BYTES)
    if len(content) > limit:
        raise InvalidInput(
            errors.DOCUMENT_TOO_LARGE,
            _("The file is larger than %(mb)d MB.") % {"mb": max(limit // (1024 * 1024), 1)},
            field=field,
        )
    if content_type != "application/pdf" or not content.startswith(b"%PDF-"):
        raise InvalidInput(
            errors.DOCUMENT_NOT_PDF, _("Send the document as a PDF file."), field=field
        )
    if kind not in QuoteDocumentKind.values:
        raise InvalidInput(errors.DOCUMENT_NOT_PDF, _("Unknown kind of document."), field="kind")
    return Upload(kind=kind, content=content)


def _store(quote: Quote, upload: Upload, client_address: str) -> QuoteDocument:
    """Saved through Django's storage API, as the last write of its transaction (a row that
    cannot be inserted takes its file with it)."""
    document = QuoteDocument(
        quote=quote,
        kind=upload.kind,
        sha256=hashlib.sha256(upload.content).hexdigest(),
        size=len(upload.content),
        client_address=client_address or None,
    )
    document.file.save("upload.pdf", ContentFile(upload.content), save=False)
    name, storage = str(document.file.name), document.file.storage
    try:
        document.save(force_insert=True)
    except Exception:
        storage.delete(name)
        raise
    return document


@transaction.atomic
def quote_accept(
    *,
    quote: Quote,
    name: str,
    role: str,
    statement: bool,
    client_address: str,
    version: int | None = None,
    document: Upload | None = None,
    purchase_order: str | None = None,
    user: Any = None,
) -> Accepted:
    """The buyer accepts the current version: a confirmed booking at the frozen price.

    Locks the quote, checks it is open, valid and current, then books through
    ``bookings.services.booking_create_quoted`` (departure lock, seat count, insert) and
    records the acceptance with the SHA-256 of the version's stored PDF. Any refusal
    (``quote_expired``, ``quote_superseded``, ``quote_already_accepted``, ``sold_out``...)
    rolls everything back.

    Before booking, the checks ``POST /bookings/`` runs (``bookings.placement_checks``): a buyer
    whose Chorus Pro structure requires a service code or a commitment number is refused
    without it (``service_code_required``, ``commitment_number_required``; nothing is refused
    when the portal cannot say). ``purchase_order``: the commitment (or order) number given
    with the acceptance, which the booking then carries.
    """
    if not statement:
        raise InvalidInput(
            errors.STATEMENT_REQUIRED,
            _("Confirm that you may commit your organisation."),
            field="statement",
        )
    locked = _lock(quote)
    _check_open(locked, for_acceptance=True)
    if version is not None and version != locked.current_version:
        raise Conflict(
            errors.QUOTE_SUPERSEDED,
            _("Version %(old)d of this quote has been superseded by version %(new)d.")
            % {"old": version, "new": locked.current_version},
            field="version",
        )
    row = current_version(locked)
    data = _booking_data(row)
    if purchase_order:
        data["billing"] = {**data.get("billing", {}), "purchase_order": purchase_order}
    request = BookingRequest.from_data(data)
    placement_checks_run(request)
    if _before_booking is not None:
        _before_booking()
    booking, booking_token = booking_create_quoted(
        request=request,
        price=row.price,
        quote_number=locked.number,
        hold_id=locked.seat_hold_id,
    )
    if row.training:
        booking = booking_set_training(
            booking_id=booking.pk,
            training=True,
            actor=Actor.staff(user) if user is not None else Actor.group(),
            reason=f"quote {locked.number}",
        )
    now = timezone.now()
    QuoteAcceptance.objects.create(
        quote=locked,
        version=row.version,
        name=name,
        role=role,
        statement=True,
        accepted_at=now,
        client_address=client_address or None,
        pdf_sha256=row.pdf_sha256,
    )
    locked.status = QuoteStatus.ACCEPTED
    locked.booking = booking
    locked.save(update_fields=["status", "booking", "updated_at"])
    stored = _store(locked, document, client_address) if document is not None else None
    _event(
        locked,
        "accepted",
        user,
        version=row.version,
        booking=booking.reference,
        **({"document": stored.sha256} if stored is not None else {}),
        **({"by_staff": True} if user is not None else {}),
    )
    return Accepted(quote=locked, booking_token=booking_token)


@transaction.atomic
def quote_convert(
    *,
    quote: Quote,
    user: Any,
    name: str,
    role: str,
    client_address: str,
    version: int | None = None,
    purchase_order_number: str | None = None,
    commitment_number: str | None = None,
) -> Quote:
    """Staff turn a quote into a confirmed booking on the buyer's behalf (after a paper order or
    a signed quote received by post): the same acceptance as the buyer's (``quote_accept``:
    quote lock, checks, seats, frozen price), with ``name`` and ``role`` the buyer's signatory,
    audited as accepted by ``user``; then the order numbers, if given, in the same transaction.
    Raises what ``quote_accept`` raises (``quote_expired``, ``quote_superseded``,
    ``quote_already_accepted``, ``quote_not_open``, ``sold_out``...), nothing written."""
    accepted = quote_accept(
        quote=quote,
        name=name,
        role=role,
        statement=True,
        client_address=client_address,
        version=version,
        user=user,
    )
    if purchase_order_number or commitment_number:
        quote_order_details(
            quote=accepted.quote,
            purchase_order_number=purchase_order_number or None,
            commitment_number=commitment_number or None,
            document=None,
            client_address=client_address,
            user=user,
        )
    return accepted.quote


def invoice_issued(quote: Quote) -> bool:
    from invoicing.models import Invoice, InvoiceKind

    return (
        quote.booking_id is not None
        and Invoice.objects.filter(booking_id=quote.booking_id, kind=InvoiceKind.INVOICE).exists()
    )


@transaction.atomic
def quote_order_details(
    *,
    quote: Quote,
    purchase_order_number: str | None,
    commitment_number: str | None,
    document: Upload | None,
    client_address: str,
    user: Any = None,
) -> Quote:
    """After acceptance, until the final invoice is issued: the buyer's purchase-order number,
    commitment number and order document. The booking's order reference (printed on the
    invoice, sent to Chorus Pro) becomes the commitment number, else the order number."""
    locked = _lock(quote)
    if locked.status != QuoteStatus.ACCEPTED or locked.booking_id is None:
        raise Conflict(errors.QUOTE_NOT_ACCEPTED, _("Accept the quote first."))
    if invoice_issued(locked):
        raise Conflict(
            errors.INVOICE_ISSUED,
            _("The invoice has been issued: write to us to change its order references."),
        )
    changed: dict[str, str] = {}
    if purchase_order_number is not None:
        locked.purchase_order_number = purchase_order_number
        changed["purchase_order_number"] = purchase_order_number
    if commitment_number is not None:
        locked.commitment_number = commitment_number
        changed["commitment_number"] = commitment_number
    locked.save(update_fields=["purchase_order_number", "commitment_number", "updated_at"])
    if changed:
        booking_set_purchase_order(
            booking_id=locked.booking_id,
            purchase_order=locked.commitment_number or locked.purchase_order_number,
            reason=f"quote {locked.number}",
        )
    stored = _store(locked, document, client_address) if document is not None else None
    if stored is not None:
        changed["document"] = stored.sha256
    _event(locked, "order_details", user, **changed)
    return locked


def _booking_data(row: QuoteVersion) -> dict[str, Any]:
    data = dict(row.request)
    if "starts_at" in data:
        data["starts_at"] = datetime.fromisoformat(data["starts_at"])
    return data


def quotes_release_expired_holds() -> int:
    """Release the seats of open quotes past their validity (beat); returns how many.

    The hold rule already stops counting a hold at its end; this gives the row its release
    time, bumps the seats left that caches still show, and records it in the quote's trail."""
    released = 0
    expired = Quote.objects.filter(
        status=QuoteStatus.SENT,
        valid_until__lte=timezone.now(),
        seat_hold__released_at__isnull=True,
    ).values_list("pk", flat=True)
    for pk in expired:
        with transaction.atomic():
            locked = Quote.objects.select_for_update().get(pk=pk)
            if locked.effective_status() != QuoteStatus.EXPIRED or locked.seat_hold_id is None:
                continue  # extended or closed meanwhile
            if seat_hold_release(hold_id=locked.seat_hold_id):
                _event(locked, "hold_released", None, valid_until=locked.valid_until.isoformat())
                released += 1
    return released


@dataclass(frozen=True)
class Certified:
    """The quote's certified delivery, and whether this call recorded it."""

    certification: ServiceCertification
    created: bool


@transaction.atomic
def quote_certify_service(*, quote: Quote, user: Any) -> Certified:
    """Staff: the service of an accepted quote was delivered (service fait), by ``user`` now.

    Idempotent: when it is already certified, the first record is answered and nothing
    changes. Refused (``quote_not_accepted``, ``booking_not_active``,
    ``visit_not_yet_delivered``) before the quote is accepted, when its booking is cancelled,
    or before the visit has started. Locks the quote row (the lock order of every quote write).
    """
    locked = _lock(quote)
    existing = ServiceCertification.objects.filter(quote=locked).first()
    if existing is not None:
        return Certified(certification=existing, created=False)
    if locked.status != QuoteStatus.ACCEPTED or locked.booking_id is None:
        raise Conflict(
            errors.QUOTE_NOT_ACCEPTED,
            _("Only an accepted quote's service can be certified."),
        )
    booking = locked.booking
    assert booking is not None  # accepted quotes have their booking (a constraint)
    if booking.status not in ACTIVE_STATUSES:
        raise Conflict(
            errors.BOOKING_NOT_ACTIVE,
            _("The booking of this quote is cancelled: there is no service to certify."),
        )
    now = timezone.now()
    check_visit_started(booking.departure.starts_at, now)
    return quote_certified(quote=locked, user=user, now=now)


def check_visit_started(starts_at: datetime, now: datetime) -> None:
    """``visit_not_yet_delivered`` before the visit's start (the service is done once begun)."""
    if starts_at > now:
        raise Conflict(
            errors.VISIT_NOT_YET_DELIVERED,
            _("The visit has not taken place yet (%(date)s).")
            % {"date": timezone.localtime(starts_at).strftime("%Y-%m-%d")},
        )


def quote_certified(*, quote: Quote, user: Any, now: datetime) -> Certified:
    """The certification step itself, on a quote the caller has locked and checked: the first
    record stays (``created`` False), else one is written and audited as ``service_certified``.
    Used by ``quote_certify_service`` and by the recorded delivery (``procurement.delivery``)."""
    existing = ServiceCertification.objects.filter(quote=quote).first()
    if existing is not None:
        return Certified(certification=existing, created=False)
    certification = ServiceCertification.objects.create(
        quote=quote, certified_at=now, certified_by=user
    )
    _event(quote, "service_certified", user, certified_at=now.isoformat())
    return Certified(certification=certification, created=True)
