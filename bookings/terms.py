"""The terms of sale (CGV), versioned: which version is in force, and which ones existed.

A group accepts the version in force when it books (the API's ``terms_version``); the booking
records that version and the time (``Booking.terms_version``, ``terms_accepted_at``) and its
audit trail says so. The text of each version is a pair of templates in the ``legal`` app
(``legal/terms/<version>_fr.html`` and ``_en.html``) that never change once published: a new text
is a new version, appended here, and the booking form then asks for the new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TermsVersion:
    version: str  # what the group accepts and the booking records, e.g. "2026-11"
    effective: date  # the day it applies to new bookings


# Oldest first; the last one is in force for new bookings.
TERMS_VERSIONS: tuple[TermsVersion, ...] = (TermsVersion("2026-11", date(2026, 11, 30)),)


def current_terms() -> TermsVersion:
    return TERMS_VERSIONS[-1]


def terms_version_get(version: str) -> TermsVersion | None:
    return next((terms for terms in TERMS_VERSIONS if terms.version == version), None)
