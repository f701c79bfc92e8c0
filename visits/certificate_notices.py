"""The certificates-ready e-mail (issue 18, item 6): once a visit is over and the guide ticked
named participants present, the beat task ``visits.tasks.send_certificate_notices`` issues
their certificates (``certificates_issue``, by ``task``) and tells the group's organiser, once,
in the booking's language, with a fresh link to the booking page where they are.

Why a periodic task and not the check-in's commit: certificates exist only once the visit is
over (``certificates_visit_not_over`` before), while the ticks arrive during it; the task looks
at the visits ended within ``NOTICE_WITHIN`` (a guide's phone may send its ticks up to a week
after, ``visits.checkins.SENT_WITHIN``), every 15 minutes. A participant ticked after the
e-mail went gets their certificate on the page (the page issues the missing ones); the e-mail is
not sent again.

Once: the ``CertificateNotice`` row (one-to-one on the booking) is the claim, inserted in its
own short transaction before the e-mail is sent with no transaction open, then marked sent; the
same pattern as the scheduled messages (``visits.messages``): a second worker or a retry fails
its insert and stands back; a failed send is tried again at the next run; a claim whose worker
died is taken over after ``CLAIM_MINUTES``. What remains, as there: a worker that dies between
the mail server's acceptance and the row's update sends it a second time.
``tests/concurrency/test_certificate_notice_race.py`` races two senders, with a negative control.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from bookings.models import ACTIVE_STATUSES, Booking
from core.errors import Conflict
from itineraries.models import DepartureStatus
from visits.certificates import certificates_issue
from visits.checkins import SENT_WITHIN
from visits.models import CertificateNotice, CertificateSource, CheckIn, MessageStatus

logger = logging.getLogger(__name__)

NOTICE_WITHIN = SENT_WITHIN + timedelta(days=1)
CLAIM_MINUTES = 10

# Race tests' seams (tests/concurrency): called once the certificates are issued, before the
# claim; and the switch the negative control turns off (reading "already sent?" instead).
_before_claim: Callable[[], None] | None = None
_claim_with_unique_row = True


def bookings_to_tell(now: datetime | None = None) -> list[int]:
    """The bookings whose visit ended within ``NOTICE_WITHIN``, still active, with a contact
    and a named participant ticked present, whose organiser was not told (nor is being)."""
    now = now or timezone.now()
    ticked = CheckIn.objects.filter(booking=OuterRef("pk"), participant__isnull=False, present=True)
    told = CertificateNotice.objects.filter(booking=OuterRef("pk")).filter(
        Q(status=MessageStatus.SENT) | Q(status=MessageStatus.SENDING, claimed_until__gt=now)
    )
    return list(
        Booking.objects.filter(
            Exists(ticked),
            status__in=ACTIVE_STATUSES,
            anonymised_at__isnull=True,
            departure__ends_at__lte=now,
            departure__ends_at__gt=now - NOTICE_WITHIN,
        )
        .exclude(departure__status=DepartureStatus.CANCELLED)
        .exclude(contact_email="")
        .exclude(Exists(told))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _claim(booking: Booking, now: datetime) -> CertificateNotice | None:
    """Insert the row that claims the e-mail, or take over a failed or abandoned claim. None
    when another worker holds it or it was sent."""
    until = now + timedelta(minutes=CLAIM_MINUTES)
    try:
        with transaction.atomic():
            return CertificateNotice.objects.create(
                booking=booking,
                status=MessageStatus.SENDING,
                language=booking.correspondence_language,
                attempts=1,
                claimed_until=until,
            )
    except IntegrityError:
        pass  # recorded already: by another worker, or an earlier attempt
    taken_over = CertificateNotice.objects.filter(booking=booking).filter(
        Q(status=MessageStatus.FAILED) | Q(status=MessageStatus.SENDING, claimed_until__lte=now)
    )
    if not taken_over.update(
        status=MessageStatus.SENDING, claimed_until=until, attempts=F("attempts") + 1
    ):
        return None
    return CertificateNotice.objects.get(booking=booking)


def _claim_by_reading(booking: Booking) -> CertificateNotice | None:
    """The negative control's claim: read, then send. Two workers both read "not sent"."""
    if CertificateNotice.objects.filter(booking=booking).exists():
        return None
    return CertificateNotice(
        booking=booking, status=MessageStatus.SENDING, language=booking.correspondence_language
    )


def certificate_notice_send(*, booking_id: int, now: datetime | None = None) -> bool:
    """Issue the booking's certificates and tell its organiser once; True when this call sent
    the e-mail. False when there is nothing to tell (no certificate, the visit not over, the
    booking closed) or it was told. Takes no row lock (the claim is the insert of the
    one-to-one row). Raises what the mail server raises, after recording the failure."""
    from visits.emails import certificates_ready_email

    now = now or timezone.now()
    booking = Booking.objects.select_related("departure__itinerary").get(pk=booking_id)
    if booking.anonymised_at is not None or not booking.contact_email:
        return False
    try:
        issued = certificates_issue(booking=booking, by=CertificateSource.TASK, now=now)
    except Conflict:
        return False  # not over yet, cancelled, or closed
    if not issued:
        return False
    if _before_claim is not None:
        _before_claim()
    record = _claim(booking, now) if _claim_with_unique_row else _claim_by_reading(booking)
    if record is None:
        return False
    try:
        certificates_ready_email(booking, len(issued)).send()
    except Exception as exc:
        CertificateNotice.objects.filter(booking=booking).update(
            status=MessageStatus.FAILED, claimed_until=None, last_error=type(exc).__name__
        )
        raise
    CertificateNotice.objects.update_or_create(
        booking=booking,
        defaults={
            "status": MessageStatus.SENT,
            "sent_at": timezone.now(),
            "claimed_until": None,
            "last_error": "",
            "language": record.language,
        },
    )
    return True


def certificate_notices_send(now: datetime | None = None) -> dict[str, int]:
    """The beat's run: tell every organiser whose certificates are ready; one failure does
    not stop the others."""
    now = now or timezone.now()
    sent = failed = 0
    for booking_id in bookings_to_tell(now):
        try:
            sent += certificate_notice_send(booking_id=booking_id, now=now)
        except Exception:
            failed += 1
            logger.exception("certificates-ready e-mail failed", extra={"booking": booking_id})
    return {"sent": sent, "failed": failed}
