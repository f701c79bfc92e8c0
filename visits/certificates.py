"""Certificates of attendance (issue 18, item 6): one per participant checked in at a visit
that took place, as a PDF in the group's language, with a verification code.

Who came is read from the guide's check-ins (``visits.checkins.attendance``: the latest tick
per person). A participant never ticked present, or unticked since, has no certificate; a group
counted without names has none (there is no name to print). The certificates are issued (a
``Certificate`` row with its code) the first time the organiser or staff ask for them once the
visit is over, and served from then on; a participant unticked after that loses theirs (it is
no longer served nor verified).

Who issues them is the seller as on the invoices; the invoicing app sits above this one, so it
contributes the identity through ``certificate_issuers`` (declared here).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from bookings.models import ACTIVE_STATUSES, Booking, Participant
from core.errors import Conflict
from core.extensions import ExtensionPoint
from core.pdf import render_pdf
from itineraries.models import DepartureStatus
from visits.checkins import attendance
from visits.models import Certificate

# Who issues the certificates: a contribution returns the seller's identity as printed on the
# invoices (``name``, ``address`` lines, ``siret``, ``vat_number``, ``email``, ``phone``), or
# None; the first identity wins. None at all: the office's name from the settings.
CertificateIssuer = Callable[[], dict[str, Any] | None]
certificate_issuers = ExtensionPoint[CertificateIssuer]("visits.certificate_issuers")

CERTIFICATES_VISIT_NOT_OVER = "certificates_visit_not_over"
CERTIFICATES_BOOKING_CLOSED = "certificates_booking_closed"

VISIT_TIMEZONE = ZoneInfo("Europe/Paris")
# No 0/O, 1/I/L: a code is read from paper and typed again.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS, CODE_GROUP_LENGTH = 3, 4


def new_code() -> str:
    """``AC-XXXX-XXXX-XXXX``: twelve characters of 31, about 59 bits."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "AC-" + "-".join(groups)


def normalise_code(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True)
class CertificateState:
    """What the organiser's page shows: from when, and the certificates issued."""

    available_from: datetime
    available: bool
    certificates: list[Certificate]


def _visit_over(booking: Booking, now: datetime) -> bool:
    departure = booking.departure
    return departure.status != DepartureStatus.CANCELLED and departure.ends_at <= now


def attended_participants(booking: Booking) -> list[Participant]:
    """The booking's named participants ticked present (the latest tick), by name."""
    group = attendance(booking.departure).get(booking.reference)
    if group is None or group["counted"] is not None:
        # Never checked in, or counted without names (a count replaces the names).
        return []
    present = set(group["present"])
    return sorted(
        (p for p in booking.participant_entries.all() if p.pk in present),
        key=lambda p: (p.name.casefold(), p.pk),
    )


def certificates_issue(
    *, booking: Booking, by: str, now: datetime | None = None
) -> list[Certificate]:
    """The certificates of everyone who attended, issuing those not issued yet (idempotent).

    Raises ``Conflict`` before the visit is over (or when it was cancelled) and for a booking
    cancelled, declined, expired or anonymised. Takes no lock: a participant has at most one
    certificate (a one-to-one key), so two requests issuing at once make one row each; the
    loser's insert is ignored and the row read back.
    """
    now = now or timezone.now()
    if not _visit_over(booking, now):
        raise Conflict(
            CERTIFICATES_VISIT_NOT_OVER,
            _("Certificates of attendance are available once the visit has taken place."),
            field="booking",
        )
    if _kept_for_training(booking):
        # Anonymised: nothing new is issued; the trainees' certificates stay readable.
        return list(
            Certificate.objects.filter(booking=booking)
            .select_related("participant")
            .order_by("participant__name", "pk")
        )
    if booking.status not in ACTIVE_STATUSES or booking.anonymised_at is not None:
        raise Conflict(
            CERTIFICATES_BOOKING_CLOSED,
            _("This booking is closed: it has no certificates of attendance."),
            field="booking",
        )
    people = attended_participants(booking)
    issued = {c.participant_id for c in Certificate.objects.filter(participant__in=people)}
    missing = [p for p in people if p.pk not in issued]
    for _attempt in range(3):  # a code drawn twice (about 2^-59) is drawn again
        if not missing:
            break
        with transaction.atomic():
            Certificate.objects.bulk_create(
                [
                    Certificate(participant=p, booking=booking, code=new_code(), issued_by=by)
                    for p in missing
                ],
                ignore_conflicts=True,
            )
        issued = {c.participant_id for c in Certificate.objects.filter(participant__in=people)}
        missing = [p for p in people if p.pk not in issued]
    by_participant = {
        c.participant_id: c
        for c in Certificate.objects.filter(participant__in=people).select_related("participant")
    }
    return [by_participant[p.pk] for p in people if p.pk in by_participant]


def _kept_for_training(booking: Booking) -> bool:
    """A training booking anonymised by the retention: its trainees' certificates of
    completion are kept (``RETENTION_TRAINING_RECORDS_DAYS``, bookings.retention)."""
    return booking.training and booking.anonymised_at is not None


def certificates_state(
    *, booking: Booking, by: str, now: datetime | None = None
) -> CertificateState:
    """For the booking's page: nothing before the visit is over, else the certificates."""
    now = now or timezone.now()
    if not _visit_over(booking, now) or booking.status not in ACTIVE_STATUSES:
        return CertificateState(booking.departure.ends_at, False, [])
    return CertificateState(
        booking.departure.ends_at, True, certificates_issue(booking=booking, by=by, now=now)
    )


def certificate_verify(code: str) -> Certificate | None:
    """The certificate with this code if its holder still counts as having attended."""
    found = (
        Certificate.objects.select_related("participant", "booking__departure__itinerary")
        .filter(code=normalise_code(code))
        .first()
    )
    if found is None:
        return None
    if found.booking.anonymised_at is not None and not found.booking.training:
        return None
    if found.participant_id not in {p.pk for p in attended_participants(found.booking)}:
        return None
    return found


def initials(name: str) -> str:
    """``Jeanne Lefèvre-Dupont`` -> ``J. L.-D.``: enough to match a paper, not to name anyone."""
    words = []
    for word in name.split():
        parts = [part[0].upper() + "." for part in word.split("-") if part]
        words.append("-".join(parts))
    return " ".join(words)


# --- The document ----------------------------------------------------------------------------


def issuer() -> dict[str, Any]:
    for contribution in certificate_issuers:
        identity = contribution()
        if identity:
            return identity
    return {
        "name": settings.OFFICE_NAME,
        "address": [],
        "siret": "",
        "vat_number": "",
        "email": settings.OFFICE_EMAIL,
        "phone": settings.OFFICE_PHONE,
    }


def hours(minutes: int) -> str:
    """``210`` -> ``3.5`` (``3,5`` in French), in the current language."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize()
    return number_format(value, use_l10n=True)


def verification_url(code: str) -> str:
    return f"{settings.SITE_URL}/certificates/{code}"


def _context(booking: Booking, certificates: Sequence[Certificate]) -> dict[str, Any]:
    departure = booking.departure
    itinerary = departure.itinerary
    starts = timezone.localtime(departure.starts_at, VISIT_TIMEZONE)
    ends = timezone.localtime(departure.ends_at, VISIT_TIMEZONE)
    stops = []
    for stop in itinerary.stops.select_related("site").order_by("position"):
        begin = timezone.localtime(
            departure.starts_at + timedelta(minutes=stop.offset_minutes), VISIT_TIMEZONE
        )
        stops.append({"time": f"{begin:%H:%M}", "title": stop.title, "site": stop.site.name})
    minutes = int((departure.ends_at - departure.starts_at).total_seconds() // 60)
    return {
        "booking": booking,
        "itinerary": itinerary,
        "themes": list(itinerary.themes.order_by("position", "name")),
        "stops": stops,
        "date": date_format(starts, "l j F Y"),
        "starts": date_format(starts, "H:i"),
        "ends": date_format(ends, "H:i"),
        "hours": hours(minutes),
        "issuer": issuer(),
        "issued_on": date_format(timezone.localtime(timezone.now(), VISIT_TIMEZONE), "j F Y"),
        "certificates": [
            {
                "name": c.participant.name,
                "category": c.participant.get_category_display(),
                "code": c.code,
                "verification_url": verification_url(c.code),
            }
            for c in certificates
        ],
    }


def certificates_html(booking: Booking, certificates: Sequence[Certificate]) -> str:
    with translation.override(booking.correspondence_language):
        return render_to_string("visits/certificate.html", _context(booking, certificates))


def certificates_pdf(booking: Booking, certificates: Sequence[Certificate]) -> bytes:
    """One page per certificate, in the booking's language."""
    return render_pdf(certificates_html(booking, certificates))


def certificates_filename(booking: Booking, code: str | None = None) -> str:
    suffix = f"-{code}" if code else ""
    return f"{booking.reference}-attendance{suffix}.pdf"


def certificates_personal_data(booking: Booking) -> dict[str, Any]:
    """The group's download (``bookings.personal_data_sections``): the certificates issued,
    with their codes, and how long they are kept: a training booking's until
    ``RETENTION_TRAINING_RECORDS_DAYS`` after the visit; the others go with the participant
    list when the contact is erased (``RETENTION_BOOKING_CONTACT_DAYS`` after the visit)."""
    rows = Certificate.objects.filter(booking=booking).select_related("participant")
    starts = booking.departure.starts_at
    if booking.training:
        days = settings.RETENTION_TRAINING_RECORDS_DAYS
        rule = "training records, kept for the funders' audits, then erased"
    else:
        days = settings.RETENTION_BOOKING_CONTACT_DAYS
        rule = "erased with the participant list and the contact"
    return {
        "certificates": {
            "kind": "completion" if booking.training else "attendance",
            "issued": [
                {
                    "code": row.code,
                    "participant": row.participant.name,
                    "issued_at": row.issued_at.isoformat(),
                }
                for row in rows.order_by("participant__name", "pk")
            ],
            "retention": {
                "days_after_visit": days,
                "kept_until": timezone.localtime(starts + timedelta(days=days)).date().isoformat()
                if booking.training
                else None,
                "rule": rule,
            },
        }
    }
