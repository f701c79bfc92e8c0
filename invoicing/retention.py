"""Personal data on the invoicing side (GDPR).

Issued invoices keep their buyer snapshot (organisation, billing address, contact) for ten years
(Code de commerce L123-22) and never change: erasing a booking's contact does not touch them.
Registered into ``bookings.retention`` by ``InvoicingConfig.ready()``:

- ``invoice_unpaid``: no erasure while an invoice of the booking is unpaid and not credited;
- ``invoices_personal_data``: the invoices, with the buyer as printed, in the group's download.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from bookings.models import Booking
from bookings.retention import ERASURE_MONEY_OPEN, Blocker
from invoicing.models import Invoice, InvoiceKind


def invoice_unpaid(booking: Booking) -> Blocker | None:
    unpaid = Invoice.objects.filter(booking=booking, paid=False).exclude(
        kind=InvoiceKind.CREDIT_NOTE
    )
    for invoice in unpaid.order_by("issue_date", "number"):
        credited = invoice.credit_notes.aggregate(total=Sum("total_incl_vat_cents"))["total"] or 0
        if invoice.paid_cents + credited < invoice.total_incl_vat_cents:
            return Blocker(
                ERASURE_MONEY_OPEN,
                str(_("Invoice %(number)s is not paid yet.") % {"number": invoice.number}),
            )
    return None


def invoices_personal_data(booking: Booking) -> dict[str, Any]:
    invoices = Invoice.objects.filter(booking=booking).order_by("issue_date", "number")
    return {
        "invoices": [
            {
                "number": invoice.number,
                "kind": invoice.kind,
                "issue_date": invoice.issue_date.isoformat(),
                "total_incl_vat_cents": invoice.total_incl_vat_cents,
                "currency": invoice.currency,
                "paid": invoice.paid,
                "buyer": invoice.buyer,
            }
            for invoice in invoices
        ]
    }


# Issued invoices and credit notes are kept this long (Code de commerce L123-22), buyer included;
# the privacy notice (legal app) states it.
INVOICE_RETENTION_YEARS = 10
