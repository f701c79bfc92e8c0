"""The invoice e-mail, in French (the seller's language, as the invoice itself)."""

from __future__ import annotations

from django.core.mail import EmailMessage

from invoicing.documents import KIND_TITLES, eur
from invoicing.models import Invoice, InvoiceKind


def invoice_email(invoice: Invoice, pdf: bytes) -> EmailMessage:
    title = KIND_TITLES[InvoiceKind(invoice.kind)]
    seller = invoice.seller["legal_name"]
    body = (
        f"Bonjour,\n\nVeuillez trouver ci-joint la {title.lower()} {invoice.number} du "
        f"{invoice.issue_date:%d/%m/%Y}, d'un montant de {eur(invoice.total_incl_vat_cents)} TTC, "
        f"pour la réservation {invoice.booking.reference}.\n\n"
        "Le fichier PDF contient aussi la facture électronique au format Factur-X.\n\n"
        f"Cordialement,\n{seller}\n"
    )
    message = EmailMessage(
        subject=f"{title} {invoice.number} — {seller}",
        body=body,
        to=[invoice.buyer.get("contact_email") or invoice.booking.contact_email],
    )
    message.attach(f"{invoice.number}.pdf", pdf, "application/pdf")
    return message
