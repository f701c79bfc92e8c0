"""The quote PDF (devis), in the quote's language, rendered by ``core.pdf``.

The mentions a French quote carries: the seller's identity (``invoicing``'s seller profile), the
date, number and version, the validity, the detailed lines with their VAT, the totals, the
payment terms, the cancellation conditions and a "bon pour accord" block. The amounts are those
of the frozen price snapshot; the bytes are stored on the version, and their SHA-256 is what an
acceptance records.
"""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone

from bookings.models import OrganisationType
from core.dates import format_date, format_datetime
from core.money import format_money
from core.pdf import render_pdf
from invoicing.services import seller_profile_get
from procurement.models import Quote, QuoteVersion

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Devis",
        "version": "version",
        "date": "Date",
        "valid_until": "Valable jusqu'au",
        "seller": "Prestataire",
        "buyer": "Client",
        "siren": "SIREN",
        "siret": "SIRET",
        "vat_number": "N° TVA intracommunautaire",
        "service_code": "Code service (Chorus Pro)",
        "commitment": "Un numéro d'engagement sera communiqué avec le bon de commande.",
        "contact": "Contact",
        "visit": "Visite",
        "starts_at": "Date et heure",
        "participants": "Participants",
        "pupils": "élèves ou étudiants",
        "adults": "adultes",
        "staff": "accompagnateurs",
        "free": "gratuité(s) accompagnateur",
        "objectives": "Objectifs pédagogiques",
        "description": "Désignation",
        "quantity": "Qté",
        "unit_price": "P.U. HT",
        "vat_rate": "TVA",
        "total_excl": "Total HT",
        "vat": "TVA",
        "total_incl": "Total TTC",
        "vat_table": "Récapitulatif de la TVA",
        "base": "Base HT",
        "payment": "Conditions de paiement",
        "payment_public": (
            "Paiement par virement à %(days)d jours à réception de la facture, émise après le "
            "service fait (Code de la commande publique, art. L2192-10). Pas d'acompte."
        ),
        "payment_other": (
            "Acompte de %(percent)d %% (%(deposit)s) à la confirmation, solde à réception de la "
            "facture, payable à %(days)d jours par virement."
        ),
        "late": "Pénalités de retard",
        "indemnity": "Indemnité forfaitaire pour frais de recouvrement : 40 €.",
        "cancellation": "Conditions d'annulation",
        "refund": "%(days)d jours ou plus avant la visite : remboursement de %(percent)d %%",
        "no_refund": "Moins de %(days)d jours avant la visite : aucun remboursement",
        "agreement": "Bon pour accord",
        "agreement_text": (
            "Date, nom, fonction, signature et cachet de la personne habilitée à engager "
            "l'organisme :"
        ),
        "demo": "DONNÉES DE DÉMONSTRATION : coordonnées du prestataire à compléter.",
        "page": "page",
    },
    "en": {
        "title": "Quote",
        "version": "version",
        "date": "Date",
        "valid_until": "Valid until",
        "seller": "Provider",
        "buyer": "Client",
        "siren": "SIREN",
        "siret": "SIRET",
        "vat_number": "VAT number",
        "service_code": "Service code (Chorus Pro)",
        "commitment": "A commitment number will be given with the purchase order.",
        "contact": "Contact",
        "visit": "Visit",
        "starts_at": "Date and time",
        "participants": "Participants",
        "pupils": "pupils or students",
        "adults": "adults",
        "staff": "accompanying staff",
        "free": "free place(s) for staff",
        "objectives": "Learning objectives",
        "description": "Description",
        "quantity": "Qty",
        "unit_price": "Unit price excl. VAT",
        "vat_rate": "VAT",
        "total_excl": "Total excl. VAT",
        "vat": "VAT",
        "total_incl": "Total incl. VAT",
        "vat_table": "VAT summary",
        "base": "Base excl. VAT",
        "payment": "Payment terms",
        "payment_public": (
            "Payment by bank transfer within %(days)d days of receiving the invoice, issued "
            "once the service has been delivered (French public procurement code, L2192-10). "
            "No deposit."
        ),
        "payment_other": (
            "Deposit of %(percent)d %% (%(deposit)s) on confirmation, balance on receipt of the "
            "invoice, payable within %(days)d days by bank transfer."
        ),
        "late": "Late payment penalties",
        "indemnity": "Fixed indemnity for recovery costs: 40 EUR.",
        "cancellation": "Cancellation conditions",
        "refund": "%(days)d days or more before the visit: %(percent)d %% refunded",
        "no_refund": "Less than %(days)d days before the visit: no refund",
        "agreement": "Approval (bon pour accord)",
        "agreement_text": (
            "Date, name, role, signature and stamp of the person entitled to commit the "
            "organisation:"
        ),
        "demo": "DEMONSTRATION DATA: the provider's details are still to be entered.",
        "page": "page",
    },
}

PUBLIC_TYPES = {OrganisationType.PUBLIC_BODY, OrganisationType.SCHOOL}


def _rate(value: str, language: str) -> str:
    text = f"{Decimal(value).quantize(Decimal('0.01'))}"
    return (text.replace(".", ",") if language == "fr" else text) + " %"


def _cancellation(policy: list[dict[str, int]], labels: dict[str, str]) -> list[str]:
    tiers = sorted(policy, key=lambda row: row["days_before"], reverse=True)
    rows = [
        labels["refund"] % {"days": tier["days_before"], "percent": tier["refund_percent"]}
        for tier in tiers
    ]
    if tiers and tiers[-1]["days_before"] > 0:
        rows.append(labels["no_refund"] % {"days": tiers[-1]["days_before"]})
    return rows


def quote_html(quote: Quote, version: QuoteVersion) -> str:
    language = quote.language if quote.language in LABELS else "en"
    labels = LABELS[language]
    seller = seller_profile_get()
    price = version.price

    def money(cents: int) -> str:
        return format_money(cents, language, plain_spaces=True)

    lines = [
        {
            "label": line["label"],
            "quantity": line["quantity"],
            "unit_price": money(line["unit_price_cents"]),
            "total": money(line["total_excl_vat_cents"]),
            "rate": _rate(line["vat_rate"], language),
        }
        for line in price["lines"]
    ]
    table = [
        {
            "rate": _rate(row["vat_rate"], language),
            "base": money(row["total_excl_vat_cents"]),
            "vat": money(row["vat_cents"]),
        }
        for row in price["vat_breakdown"]
    ]
    terms = {
        "days": seller.payment_terms_days,
        "percent": price["deposit_percent"],
        "deposit": money(price["deposit_cents"]),
    }
    payment = labels[
        "payment_public" if quote.organisation_type in PUBLIC_TYPES else "payment_other"
    ]
    context = {
        "labels": labels,
        "language": language,
        "quote": quote,
        "version": version,
        "seller": seller,
        "itinerary_title": version.itinerary.title,
        "date": format_date(version.created_at or timezone.now(), language),
        "valid_until": format_date(version.valid_until, language),
        "starts_at": format_datetime(version.starts_at, language),
        "lines": lines,
        "table": table,
        "total_excl": money(price["total_excl_vat_cents"]),
        "total_vat": money(price["vat_cents"]),
        "total_incl": money(price["total_cents"]),
        "payment": payment % terms,
        "cancellation": _cancellation(version.itinerary.cancellation_policy, labels),
    }
    return render_to_string("procurement/quote.html", context)


def render_quote_pdf(quote: Quote, version: QuoteVersion) -> bytes:
    return render_pdf(quote_html(quote, version))
