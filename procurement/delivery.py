"""Certified delivery with the actual attendance (issue 16, item 4).

After the visit, staff record who actually came, by category (pupils or students, adults,
accompanying staff: the quote's categories). When the guide checked the group in
(``visits.checkins.attendance``), those figures are the default: the named participants present
by their category, or a group's count when it equals the booked head count (split as booked),
plus the walk-ins the guide added (people who came without being on the list), counted as adults
(their category is not known; staff correct it before recording). The walk-ins may take the
attendance past the booked head count, up to that head count plus the walk-ins.
Recording the delivery:

- writes one ``Delivery`` row per booking (``already_delivered`` for other figures; the same
  figures again answer the first record: idempotent), audited in the booking's trail
  (``delivered``) and, for a quoted booking, in the quote's;
- for a quoted booking, certifies the quote's service through the one certification step
  (``procurement.services.quote_certified``): what a public buyer's final invoice waits for;
- then, unless asked not to, issues the booking's final invoice (``final`` deducting the deposit
  invoices, else ``full``) through ``invoicing.services.invoice_issue`` in a savepoint: when
  invoicing refuses (a deposit still unpaid...) or the quote's commitment number has not come
  yet, the delivery stands and the answer says why the invoice waits.

Lock order: the quote row (when there is one), then ``bookings.services.lock_booking``
(departure, booking), then invoicing's own locks: the order of every quote write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking, BookingStatus, Participant, ParticipantCategory
from bookings.services import Actor, booking_audit, lock_booking
from core.errors import Conflict, DomainError, InvalidInput
from invoicing.models import Invoice, InvoiceKind
from invoicing.services import FINAL, FULL, invoice_issue
from procurement import errors
from procurement.models import Delivery, Quote, QuoteStatus, QuoteVersion
from procurement.services import check_visit_started, lock_quote, quote_certified, quote_event
from visits.checkins import attendance

# Named participants' categories, counted in the quote's three.
CATEGORY_OF: dict[str, str] = {
    ParticipantCategory.PUPIL: "pupils",
    ParticipantCategory.ACCOMPANYING_STAFF: "staff",
}


@dataclass(frozen=True)
class Attendance:
    """Who came, by the quote's categories."""

    pupils: int = 0
    adults: int = 0
    staff: int = 0

    @property
    def total(self) -> int:
        return self.pupils + self.adults + self.staff

    def as_dict(self) -> dict[str, int]:
        return {
            "pupils": self.pupils,
            "adults": self.adults,
            "staff": self.staff,
            "total": self.total,
        }


@dataclass(frozen=True)
class CheckInFigures:
    """What the guide's check-in says of one group: the named people present (by category)
    and absent, or the count of a group checked in without names."""

    present: int
    absent: int
    counted: int | None
    by_category: Attendance | None  # None when counted without names (walk-ins included)
    walk_ins: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "attended": (self.present if self.counted is None else self.counted) + self.walk_ins,
            "named_present": self.present,
            "named_absent": self.absent,
            "counted": self.counted,
            "by_category": self.by_category.as_dict() if self.by_category else None,
            "walk_ins": self.walk_ins,
        }


@dataclass(frozen=True)
class Recorded:
    delivery: Delivery
    created: bool
    invoice: Invoice | None
    invoice_pending: DomainError | None


def booking_quote(booking: Booking) -> Quote | None:
    return Quote.objects.filter(booking=booking, status=QuoteStatus.ACCEPTED).first()


def booked_attendance(booking: Booking, quote: Quote | None) -> Attendance | None:
    """The categories the accepted quote booked; None for a booking made without a quote."""
    if quote is None:
        return None
    accepted = getattr(quote, "acceptance", None)
    version = accepted.version if accepted is not None else quote.current_version
    row = QuoteVersion.objects.filter(quote=quote, version=version).first()
    if row is None:
        return None
    return Attendance(pupils=row.pupils, adults=row.adults, staff=row.staff)


def check_in_figures(booking: Booking) -> CheckInFigures | None:
    """The guide's check-in of this group, or None when the guide recorded nothing for it."""
    group = attendance(booking.departure).get(booking.reference)
    if group is None:
        return None
    walk_ins = group["walk_ins"]
    if group["counted"] is not None:
        return CheckInFigures(
            present=len(group["present"]),
            absent=len(group["absent"]),
            counted=group["counted"],
            by_category=None,
            walk_ins=walk_ins,
        )
    counts = {"pupils": 0, "adults": walk_ins, "staff": 0}
    categories = Participant.objects.filter(pk__in=group["present"]).values_list(
        "category", flat=True
    )
    for category in categories:
        counts[CATEGORY_OF.get(category, "adults")] += 1
    return CheckInFigures(
        present=len(group["present"]),
        absent=len(group["absent"]),
        counted=None,
        by_category=Attendance(**counts),
        walk_ins=walk_ins,
    )


def default_attendance(
    figures: CheckInFigures | None, booked: Attendance | None
) -> Attendance | None:
    """The figures the check-in gives, if it gives them by category; else None (staff type
    them). A count without names gives them only when it is the booked head count (split as
    booked), or for a booking without categories (all counted as adults); walk-ins are added
    as adults."""
    if figures is None:
        return None
    if figures.by_category is not None:
        return figures.by_category if figures.by_category.total > 0 else None
    if not figures.counted:
        return Attendance(adults=figures.walk_ins) if figures.walk_ins else None
    if booked is None:
        return Attendance(adults=figures.counted + figures.walk_ins)
    if booked.total != figures.counted:
        return None
    return Attendance(booked.pupils, booked.adults + figures.walk_ins, booked.staff)


def _check(booking: Booking, given: Attendance) -> None:
    figures = check_in_figures(booking)
    most = booking.participants + (figures.walk_ins if figures else 0)
    if given.total > most:
        raise InvalidInput(
            errors.ATTENDANCE_OVER_HEAD_COUNT,
            _("The group was booked for %(n)d people: record at most that many.") % {"n": most},
            field="attendance",
        )
    if given.total == 0:
        raise InvalidInput(
            errors.ATTENDANCE_EMPTY,
            _("Nobody came: that is not a delivered service (cancel the booking instead)."),
            field="attendance",
        )


def _check_booking(booking: Booking) -> None:
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(
            errors.BOOKING_NOT_CONFIRMED,
            _("Only a confirmed booking's visit can be recorded as delivered."),
            field="booking",
        )
    check_visit_started(booking.departure.starts_at, timezone.now())


def _same(delivery: Delivery, given: Attendance | None) -> bool:
    return given is None or (delivery.pupils, delivery.adults, delivery.staff) == (
        given.pupils,
        given.adults,
        given.staff,
    )


@transaction.atomic
def delivery_record(
    *,
    booking: Booking,
    attendance_given: Attendance | None,
    user: Any,
    issue_invoice: bool = True,
) -> Recorded:
    """Staff record the delivered visit of a confirmed booking with who came (see the module).

    ``attendance_given`` None takes the guide's check-in (``attendance_required`` when it gives
    no figures). Raises ``booking_not_confirmed``, ``visit_not_yet_delivered`` (before the
    start), ``attendance_over_head_count``, ``attendance_empty`` and ``already_delivered``
    (recorded before with other figures) with nothing written."""
    quote = booking_quote(booking)
    if quote is not None:
        quote = lock_quote(quote)
    locked = lock_booking(booking_id=booking.pk, departure_id=booking.departure_id)
    existing = Delivery.objects.filter(booking=locked).first()
    if existing is not None:
        if not _same(existing, attendance_given):
            raise Conflict(
                errors.ALREADY_DELIVERED,
                _("This visit was recorded as delivered on %(date)s, for %(n)d people.")
                % {"date": timezone.localdate(existing.delivered_at), "n": existing.attended},
                field="attendance",
            )
        # The same figures again: nothing changes, but an invoice that waited (for the
        # commitment number, a deposit's payment) is issued now if it can be.
        invoice, pending = _issue_final_invoice(locked, quote) if issue_invoice else (None, None)
        return Recorded(existing, False, invoice or final_invoice(locked), pending)
    _check_booking(locked)
    from_check_in = attendance_given is None
    given = attendance_given or default_attendance(
        check_in_figures(locked), booked_attendance(locked, quote)
    )
    if given is None:
        raise InvalidInput(
            errors.ATTENDANCE_REQUIRED,
            _("The guide's check-in gives no figures for this group: enter who came."),
            field="attendance",
        )
    _check(locked, given)
    now = timezone.now()
    delivery = Delivery.objects.create(
        booking=locked,
        quote=quote,
        pupils=given.pupils,
        adults=given.adults,
        staff=given.staff,
        from_check_in=from_check_in,
        delivered_at=now,
        recorded_by=user,
    )
    audit = {**given.as_dict(), "from_check_in": from_check_in}
    booking_audit(booking=locked, actor=Actor.staff(user), action="delivered", **audit)
    if quote is not None:
        quote_certified(quote=quote, user=user, now=now)
        quote_event(quote, "delivered", user, booking=locked.reference, **audit)
    invoice, pending = (None, None)
    if issue_invoice:
        invoice, pending = _issue_final_invoice(locked, quote)
    return Recorded(delivery, True, invoice, pending)


def final_invoice(booking: Booking) -> Invoice | None:
    return Invoice.objects.filter(booking=booking, kind=InvoiceKind.INVOICE).order_by("pk").first()


def _issue_final_invoice(
    booking: Booking, quote: Quote | None
) -> tuple[Invoice | None, DomainError | None]:
    """The final (or full) invoice once delivered, unless it exists or cannot be issued yet."""
    existing = final_invoice(booking)
    if existing is not None:
        return existing, None
    if quote is not None and quote.commitment_number_follows and not quote.commitment_number:
        return None, Conflict(
            errors.COMMITMENT_NUMBER_MISSING,
            _(
                "The buyer said a commitment number would follow: the invoice waits for it "
                "(issue it once the number is on the quote)."
            ),
            field="commitment_number",
        )
    kind = FINAL if booking.invoices.filter(kind=InvoiceKind.DEPOSIT).exists() else FULL
    try:
        with transaction.atomic():
            return invoice_issue(booking=booking, kind=kind), None
    except DomainError as refused:
        return None, refused
