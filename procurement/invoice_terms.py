"""What procurement contributes to invoicing for a quoted booking (invoicing's extension points
``invoicing.issue_checks`` and ``invoicing.invoice_terms``, registered in ``ProcurementConfig``).

- A public buyer's (public body, school) final or full invoice is issued only once the service
  is certified (``ServiceCertification``): a public buyer pays after the service is found done.
- The invoice of a quoted booking states the quote's terms: the days to pay of the payment
  schedule frozen on the accepted version (``procurement.terms.payment_schedule``), the methods,
  and the quote's number. For a public buyer the period runs from the receipt of the invoice
  (its issue, the day it is delivered through Chorus Pro or by e-mail) or from the certified
  delivery when that is later (docs/procurement.md, "Certified delivery").

- The deposit invoice of a quoted booking asks for the deposit of the accepted version's
  schedule (none for public bodies, up to 70 % for schools, the itinerary's rule for the
  others, as ``PaymentTerms`` said when the quote was written), not the booking's generic
  ``deposit_cents`` (``invoicing.deposit_amounts``).

Deposit invoices keep invoicing's own due date (before the visit they secure).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from core.errors import Conflict
from core.money import percent_of
from invoicing.late_payment import PUBLIC_BUYER_TYPES
from invoicing.services import DEPOSIT, DepositAmount, InvoiceTerms
from procurement import errors
from procurement.models import PaymentMethods, Quote, QuoteVersion, ServiceCertification
from procurement.terms import terms_for

PUBLIC_BUYERS = PUBLIC_BUYER_TYPES  # public bodies and schools, as invoicing's late payment
METHODS_FR = {
    PaymentMethods.TRANSFER: "par virement",
    PaymentMethods.CARD_OR_TRANSFER: "par carte ou par virement",
}


def _quote(booking: Booking) -> Quote | None:
    return Quote.objects.filter(booking=booking).first()


def service_certified_before_final_invoice(booking: Booking, kind: str) -> None:
    """``invoicing.issue_checks``: a public buyer's quoted booking is invoiced (final or full)
    once its service is certified; ``service_not_certified`` (409) otherwise."""
    if kind == DEPOSIT or booking.organisation_type not in PUBLIC_BUYERS:
        return
    quote = _quote(booking)
    if quote is None or ServiceCertification.objects.filter(quote=quote).exists():
        return
    raise Conflict(
        errors.SERVICE_NOT_CERTIFIED,
        _(
            "Quote %(number)s is for a public buyer: certify that the service was delivered "
            "before issuing its invoice."
        )
        % {"number": quote.number},
        field="booking",
        extra={"quote": quote.number},
    )


def _accepted_schedule(quote: Quote) -> dict[str, Any]:
    accepted = getattr(quote, "acceptance", None)
    version = accepted.version if accepted is not None else quote.current_version
    schedule = (
        QuoteVersion.objects.filter(quote=quote, version=version)
        .values_list("payment_schedule", flat=True)
        .first()
    )
    return dict(schedule or {})


def quoted_deposit(booking: Booking) -> DepositAmount | None:
    """``invoicing.deposit_amounts``: the deposit of the accepted quote's schedule. The frozen
    amount while the booking's total is the quoted one; after a change of participants, the
    schedule's percentage of the new total."""
    quote = _quote(booking)
    if quote is None:
        return None
    schedule = _accepted_schedule(quote)
    if "deposit_cents" not in schedule:
        return None
    percent = int(schedule.get("deposit_percent") or 0)
    quoted_total = int(schedule["deposit_cents"]) + int(schedule.get("balance_cents", 0))
    total = int(booking.price.get("total_cents", 0))
    cents = int(schedule["deposit_cents"]) if total == quoted_total else percent_of(total, percent)
    return DepositAmount(cents=cents, percent=percent)


def quoted_invoice_terms(booking: Booking, kind: str) -> InvoiceTerms | None:
    """``invoicing.invoice_terms``: the accepted quote's terms for its final or full invoice."""
    if kind == DEPOSIT:
        return None
    quote = _quote(booking)
    if quote is None:
        return None
    schedule = _accepted_schedule(quote)
    fallback = terms_for(quote.organisation_type)
    days = int(schedule.get("days_after_invoice", fallback.days_after_invoice))
    methods = METHODS_FR.get(schedule.get("methods", fallback.methods), "par virement")
    references = _order_references(quote)
    if booking.organisation_type not in PUBLIC_BUYERS:
        return InvoiceTerms(
            days=days, note=f"Devis {quote.number} : paiement {methods}.{references}"
        )
    certification = ServiceCertification.objects.filter(quote=quote).first()
    certified_on = (
        timezone.localdate(certification.certified_at) if certification is not None else None
    )
    note = f"Devis {quote.number} : paiement {methods}, à {days} jours de la réception"
    note += " de la facture"
    if certified_on is not None:
        note += (
            f" ou de la constatation du service fait le {certified_on:%d/%m/%Y} si elle est"
            " postérieure"
        )
    note += " (Code de la commande publique, art. R2192-10 et suivants)."
    return InvoiceTerms(days=days, runs_from=certified_on, note=note + references)


def _order_references(quote: Quote) -> str:
    """The buyer's purchase-order and commitment numbers, both named (the invoice's order
    reference, BT-13, holds one of them: the commitment number when there is one)."""
    parts = []
    if quote.purchase_order_number:
        parts.append(f"bon de commande {quote.purchase_order_number}")
    if quote.commitment_number:
        parts.append(f"engagement {quote.commitment_number}")
    return f" Commande : {', '.join(parts)}." if parts else ""
