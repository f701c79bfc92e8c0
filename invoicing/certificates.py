"""The seller's identity on the visits' certificates of attendance, as on the invoices
(contributed to ``visits.certificates.certificate_issuers`` in ``InvoicingConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from invoicing.models import SellerProfile
from invoicing.services import DEMO_SELLER


def certificate_issuer() -> dict[str, Any]:
    """The saved seller profile (pk 1), or the demo details an invoice would use until the office
    saves it; read, never created here."""
    profile = SellerProfile.objects.filter(pk=1).first()
    if profile is None:
        defaults = {**DEMO_SELLER, **getattr(settings, "INVOICE_SELLER_DEFAULTS", {})}
        profile = SellerProfile(pk=1, is_demo=True, **defaults)
    name = profile.legal_name
    if profile.legal_form:
        name = f"{name} ({profile.legal_form})"
    return {
        "name": name,
        "address": [profile.address, f"{profile.postal_code} {profile.city}".strip()],
        "siret": profile.siret,
        "vat_number": profile.vat_number,
        "email": profile.email,
        "phone": profile.phone,
    }
