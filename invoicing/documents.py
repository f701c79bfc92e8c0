"""The invoice PDF: French HTML rendered by ``core.pdf`` as PDF/A-3b, then Factur-X embedded.

Every mandatory mention of STANDARDS.md ("French invoices") is printed; the amounts are read
from the frozen row, the same numbers the XML (``invoicing.cii``) and the CSV export carry.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import facturx
from django.template.loader import render_to_string

from core.money import format_money
from core.pdf import PDF_A3B, render_pdf
from invoicing.cii import invoice_xml
from invoicing.late_payment import late_payment_mention
from invoicing.models import Invoice, InvoiceKind
from invoicing.training import EXEMPTION_MENTION_EN

KIND_TITLES = {
    InvoiceKind.INVOICE: "Facture",
    InvoiceKind.DEPOSIT: "Facture d'acompte",
    InvoiceKind.CREDIT_NOTE: "Facture d'avoir",
}


def eur(cents: int) -> str:
    """``1 234,56 €``: French, with plain spaces for the PDF's text extraction."""
    return format_money(cents, "fr", plain_spaces=True)


def rate(value: str) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'))}".replace(".", ",") + " %"


def invoice_html(invoice: Invoice) -> str:
    lines: list[dict[str, Any]] = [
        {
            **row,
            "unit_price": eur(row["unit_price_cents"]),
            "total": eur(row["total_excl_vat_cents"]),
            "rate": rate(row["vat_rate"]),
        }
        for row in invoice.lines
    ]
    table = [
        {
            "rate": rate(row["vat_rate"]),
            "base": eur(row["total_excl_vat_cents"]),
            "vat": eur(row["vat_cents"]),
        }
        for row in invoice.vat_breakdown
    ]
    credited = invoice.credited_invoice
    context = {
        "invoice": invoice,
        "title": KIND_TITLES[InvoiceKind(invoice.kind)],
        "is_credit_note": invoice.kind == InvoiceKind.CREDIT_NOTE,
        "seller": invoice.seller,
        "buyer": invoice.buyer,
        "lines": lines,
        "table": table,
        "total_excl": eur(invoice.total_excl_vat_cents),
        "total_vat": eur(invoice.vat_cents),
        "total_incl": eur(invoice.total_incl_vat_cents),
        "deposits_deducted": eur(invoice.deposits_deducted_cents),
        "prepaid": eur(invoice.prepaid_cents),
        "amount_due": eur(invoice.amount_due_cents),
        "paid_at_issue": invoice.prepaid_cents >= invoice.total_incl_vat_cents,
        "credited": credited,
        "late_payment_mention": late_payment_mention(invoice),
        # An exempt training action's mention (invoicing.training), with its English beside.
        "exemptions": [
            {"fr": row["exemption_reason"], "en": EXEMPTION_MENTION_EN}
            for row in invoice.vat_breakdown
            if row.get("exemption_reason")
        ],
    }
    return render_to_string("invoicing/invoice.html", context)


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """PDF/A-3b with its ``factur-x.xml`` (EN 16931), checked against the XSD on the way."""
    pdf = render_pdf(invoice_html(invoice), pdf_variant=PDF_A3B)
    xml = invoice_xml(invoice)
    result: bytes = facturx.generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=True
    )
    return result
