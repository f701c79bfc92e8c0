"""What the legal pages state, read from the seller profile and the settings (never invented).

The seller profile is read, never created here: until the office saves it in the admin, the
pages show the same demo details invoices would use, marked as demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from bookings import terms
from invoicing.models import SellerProfile
from invoicing.retention import INVOICE_RETENTION_YEARS
from invoicing.services import DEMO_SELLER
from itineraries.models import default_cancellation_policy


def seller_profile() -> SellerProfile:
    """The saved seller (pk 1), or the demo one that ``seller_profile_get`` would create."""
    saved = SellerProfile.objects.filter(pk=1).first()
    if saved is not None:
        return saved
    defaults = {**DEMO_SELLER, **getattr(settings, "INVOICE_SELLER_DEFAULTS", {})}
    return SellerProfile(pk=1, is_demo=True, **defaults)


@dataclass(frozen=True)
class Retention:
    unbooked_request_days: int
    booking_contact_days: int
    stripe_payload_days: int
    invoice_years: int

    @property
    def booking_contact_years(self) -> int | None:
        """Whole years, when the setting is one (3 * 365 days by default)."""
        days = self.booking_contact_days
        return days // 365 if days % 365 == 0 else None


def retention() -> Retention:
    return Retention(
        unbooked_request_days=settings.RETENTION_UNBOOKED_REQUEST_DAYS,
        booking_contact_days=settings.RETENTION_BOOKING_CONTACT_DAYS,
        stripe_payload_days=settings.RETENTION_STRIPE_PAYLOAD_DAYS,
        invoice_years=INVOICE_RETENTION_YEARS,
    )


def page_facts() -> dict[str, Any]:
    """Everything the legal templates may name; empty settings stay empty (shown "to complete")."""
    return {
        "seller": seller_profile(),
        "office": {
            "name": settings.OFFICE_NAME,
            "email": settings.OFFICE_EMAIL,
            "phone": settings.OFFICE_PHONE,
        },
        "share_capital": settings.LEGAL_SHARE_CAPITAL,
        "registration": settings.LEGAL_REGISTRATION,
        "publication_director": settings.LEGAL_PUBLICATION_DIRECTOR,
        "host": {
            "name": settings.HOSTING_PROVIDER_NAME,
            "address": settings.HOSTING_PROVIDER_ADDRESS,
            "phone": settings.HOSTING_PROVIDER_PHONE,
        },
        "mediator": {
            "name": settings.CONSUMER_MEDIATOR_NAME,
            "url": settings.CONSUMER_MEDIATOR_URL,
        },
        "retention": retention(),
        "card_hold_minutes": settings.BOOKING_CARD_HOLD_MINUTES,
        "request_hold_days": settings.BOOKING_REQUEST_HOLD_DAYS,
        "deposit_min_days": settings.PAYMENT_DEPOSIT_MIN_DAYS_BEFORE,
        "default_cancellation": default_cancellation_policy(),
        "current_terms": terms.current_terms(),
        "site_url": settings.SITE_URL,
    }
