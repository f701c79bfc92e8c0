""" "My bookings": a contact signs in by a one-time link e-mailed to its address and sees every
booking made with that address (issue 14 item 2; docs/architecture.md, "My bookings").

- The group asks with its e-mail; the answer is the same whether or not a booking has that
  contact address, and the e-mail is written by a task (``tasks.send_sign_in_email``) which alone
  looks the address up, so the request does the same work either way.
- The link (``/my-bookings/sign-in?token=…``) holds a token whose SHA-256 hash alone is stored
  (``SignInLink``). It opens one session, once, within ``MY_BOOKINGS_LINK_MINUTES``.
- The session is a row of its own (``ContactSession``), bound to the normalised e-mail, whose
  token travels in an HttpOnly, SameSite=Lax cookie restricted to the API's ``my-bookings/`` path
  (Secure as Django's session cookie is). No Django user: a contact is not staff, and a row we
  own can be deleted on sign-out and on erasure, which a signed cookie cannot.
- No organiser token is stored or shown: opening a booking issues a fresh organiser link
  through ``bookings.links``, as the e-mails do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import BooleanField, Case, F, QuerySet, Value, When
from django.utils import timezone, translation

from bookings import links
from bookings.models import Booking, ContactSession, SignInLink
from core.emails import render_plain_text
from core.errors import InvalidInput
from core.tokens import hash_token, new_token

# Error codes (the tests import them).
SIGN_IN_LINK_INVALID = "sign_in_link_invalid"
NOT_SIGNED_IN = "not_signed_in"

# Test-only seams for the race test (tests/concurrency/test_sign_in_race.py); never changed in
# production: the claim's condition (its negative control turns it off), and a pause between
# reading the link and claiming it.
_claim_conditionally: bool = True
_after_lookup: Callable[[], None] | None = None

COOKIE_NAME = "va_my_bookings"
# The cookie goes only to the API's my-bookings endpoints, never to the rest of the site.
COOKIE_PATH = "/api/v1/my-bookings/"


def normalise_email(email: str) -> str:
    """The address bookings are matched on: surrounding spaces aside, in lower case."""
    return email.strip().lower()


def contact_bookings(*, email: str, now: datetime | None = None) -> QuerySet[Booking]:
    """Every booking whose contact address is ``email`` (case aside): the upcoming ones first,
    soonest first, then the past ones, latest first. Anonymised bookings have no address left,
    so they never match."""
    now = now or timezone.now()
    starts = F("departure__starts_at")
    address = normalise_email(email)
    if not address:
        return Booking.objects.none()
    return (
        Booking.objects.filter(contact_email__iexact=address)
        .select_related("departure__itinerary")
        .annotate(
            is_past=Case(
                When(departure__starts_at__lt=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            upcoming_at=Case(When(departure__starts_at__gte=now, then=starts)),
            past_at=Case(When(departure__starts_at__lt=now, then=starts)),
        )
        .order_by(
            "is_past",
            F("upcoming_at").asc(nulls_last=True),
            F("past_at").desc(nulls_last=True),
            "pk",
        )
    )


def contact_booking(*, email: str, reference: str) -> Booking | None:
    """The booking with this reference if its contact address is ``email``; None otherwise."""
    return contact_bookings(email=email).filter(reference=reference.strip().upper()).first()


def sign_in_link_issue(*, email: str) -> str:
    """A fresh one-time sign-in token for ``email``; only its hash is stored."""
    token, token_hash = new_token()
    SignInLink.objects.create(
        email=normalise_email(email),
        token_hash=token_hash,
        expires_at=timezone.now() + timedelta(minutes=settings.MY_BOOKINGS_LINK_MINUTES),
    )
    return token


def sign_in_url(token: str) -> str:
    return f"{settings.SITE_URL}/my-bookings/sign-in?token={token}"


def sign_in_email(*, email: str, language: str) -> EmailMessage | None:
    """The e-mail with a sign-in link, or None when no booking has this contact address: an
    address that never booked is sent nothing (nobody can use this form to mail strangers).

    Called by the task, never by the request, so the token is issued here and no secret
    travels through the queue."""
    address = normalise_email(email)
    if not contact_bookings(email=address).exists():
        return None
    lang = language if language in ("fr", "en") else settings.LANGUAGE_CODE[:2]
    token = sign_in_link_issue(email=address)
    with translation.override(lang):
        text = render_plain_text(
            f"bookings/email/sign_in_{lang}.txt",
            {
                "url": sign_in_url(token),
                "minutes": settings.MY_BOOKINGS_LINK_MINUTES,
                "days": settings.MY_BOOKINGS_SESSION_DAYS,
                "site_url": settings.SITE_URL,
            },
        ).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(subject=subject.strip(), body=body.strip() + "\n", to=[address])


def _invalid_link() -> InvalidInput:
    return InvalidInput(
        SIGN_IN_LINK_INVALID,
        translation.gettext(
            "This sign-in link cannot be used: it was already used, or it has expired. "
            "Ask for a new one."
        ),
        field="token",
    )


@transaction.atomic
def sign_in_link_redeem(*, token: str) -> tuple[ContactSession, str]:
    """Open a session with a sign-in token: (the session, the session's token for the cookie).

    Single use under any concurrency: the link is claimed by a conditional update (``used_at``
    still empty, not expired), so of two requests with the same token only one opens a session.
    Raises InvalidInput (``sign_in_link_invalid``, field ``token``) for an unknown, used or
    expired token, with one message for the three.
    """
    if not token or len(token) > 200:
        raise _invalid_link()
    now = timezone.now()
    claimed = SignInLink.objects.filter(
        token_hash=hash_token(token), used_at__isnull=True, expires_at__gt=now
    )
    link = claimed.only("pk", "email").first()
    if link is None:
        raise _invalid_link()
    if _after_lookup is not None:
        _after_lookup()
    claim = claimed if _claim_conditionally else SignInLink.objects.all()
    if claim.filter(pk=link.pk).update(used_at=now) != 1:
        raise _invalid_link()
    session_token, session_hash = new_token()
    session = ContactSession.objects.create(
        email=link.email,
        token_hash=session_hash,
        expires_at=now + timedelta(days=settings.MY_BOOKINGS_SESSION_DAYS),
    )
    return session, session_token


def contact_session_for(*, token: str | None) -> ContactSession | None:
    """The live session this cookie's token opens, or None."""
    if not token or len(token) > 200:
        return None
    return ContactSession.objects.filter(
        token_hash=hash_token(token), expires_at__gt=timezone.now()
    ).first()


def contact_session_end(*, session: ContactSession) -> None:
    """Sign out: the session's row is deleted, so its cookie opens nothing any more."""
    ContactSession.objects.filter(pk=session.pk).delete()


def contact_organiser_link(*, booking: Booking) -> str:
    """A fresh organiser token for a booking of the signed-in contact (bookings.links)."""
    return links.organiser_link_issue(booking=booking, reason="signin")


def sign_ins_forget(*, email: str) -> int:
    """Delete every sign-in link and session of an address (erasure); how many rows went."""
    address = normalise_email(email)
    if not address:
        return 0
    deleted_links, _ = SignInLink.objects.filter(email=address).delete()
    deleted_sessions, _ = ContactSession.objects.filter(email=address).delete()
    return deleted_links + deleted_sessions


def sign_ins_purge_expired(*, now: datetime | None = None) -> int:
    """Delete the expired sign-in links (used or not) and sessions; how many rows went."""
    now = now or timezone.now()
    deleted_links, _ = SignInLink.objects.filter(expires_at__lte=now).delete()
    deleted_sessions, _ = ContactSession.objects.filter(expires_at__lte=now).delete()
    return deleted_links + deleted_sessions
