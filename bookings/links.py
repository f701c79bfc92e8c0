"""The booking's two capabilities: the organiser's secret link and the participants' link.

The organiser's link (``/bookings/<reference>?token=…``) reads, changes, cancels and pays. Its
first token is issued at creation (``Booking.token_hash``); every e-mail that carries the link
and every "find my booking" request issues a further one (``OrganiserLink``). None replaces
another: a group forwards its old e-mail to colleagues, and that link must keep working.

The participants' link (``/bookings/<reference>/visit?token=…``) only reads the programme, the
calendar file and the meeting point; never the contact, never a change. It is the one the
programme's QR code opens and the organiser shares, so it must be the same every time it is
shown (a printed QR code cannot be re-issued): it is derived from the reference with an HMAC
keyed by SECRET_KEY under its own salt, and compared in constant time like the others.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils.crypto import salted_hmac

from bookings.models import Booking, OrganiserLink
from core.tokens import hash_token, new_token, token_matches

PARTICIPANTS_SALT = "bookings.links.participants"


def organiser_link_issue(*, booking: Booking, reason: str) -> str:
    """A fresh organiser token for ``booking``; only its hash is stored. Old ones stay valid."""
    token, token_hash = new_token()
    OrganiserLink.objects.create(booking=booking, token_hash=token_hash, reason=reason)
    return token


def is_organiser_token(*, booking: Booking, token: str | None) -> bool:
    if token_matches(token, booking.token_hash):
        return True
    if not token or len(token) > 200:
        return False
    return OrganiserLink.objects.filter(booking=booking, token_hash=hash_token(token)).exists()


def participants_token(booking: Booking) -> str:
    digest = salted_hmac(PARTICIPANTS_SALT, booking.reference, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def is_participants_token(*, booking: Booking, token: str | None) -> bool:
    return token_matches(token, hash_token(participants_token(booking)))


def organiser_url(booking: Booking, token: str) -> str:
    return f"{settings.SITE_URL}/bookings/{booking.reference}?token={token}"


def participants_url(booking: Booking) -> str:
    token = participants_token(booking)
    return f"{settings.SITE_URL}/bookings/{booking.reference}/visit?token={token}"
