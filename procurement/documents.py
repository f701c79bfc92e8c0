"""The quote PDF (devis), in the quote's language, rendered by ``core.pdf``.

The mentions a French quote carries: the seller's identity (``invoicing``'s seller profile), the
date, number and version, the validity, the detailed lines with their VAT, the totals, the
payment terms, the cancellation conditions and a "bon pour accord" block. The amounts are those
of the frozen price snapshot; the bytes are stored on the version, and their SHA-256 is what an
acceptance records.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from bookings.models import OrganisationType
from core.dates import format_date, format_datetime
from core.money import format_money
from core.pdf import render_pdf
from invoicing.models import SellerProfile
from invoicing.services import seller_profile_get
from invoicing.training import EXEMPTION_MENTION, EXEMPTION_MENTION_EN
from procurement.models import Quote, QuoteVersion
from procurement.terms import payment_schedule

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
            "Paiement %(methods)s à %(days)d jours à réception de la facture, émise après le "
            "service fait (Code de la commande publique, art. L2192-10)."
        ),
        "payment_other": (
            "Solde à réception de la facture, émise après la visite, payable à %(days)d jours "
            "%(methods)s."
        ),
        "deposit_none": "Pas d'acompte.",
        "deposit": "Acompte de %(percent)d %% (%(deposit)s) à la confirmation.",
        "methods_transfer": "par virement",
        "methods_card_or_transfer": "par carte ou par virement",
        "schedule": "Échéancier",
        "due_deposit": (
            "Acompte : %(deposit)s, à l'acceptation du devis, au plus tard le %(date)s."
        ),
        "due_balance": (
            "Solde : %(balance)s, le %(date)s pour une facture émise et reçue le jour de la "
            "visite (%(visit)s)."
        ),
        "late": "Pénalités de retard",
        "late_public": (
            "Intérêts moratoires en cas de retard de paiement : taux de la BCE en vigueur au "
            "premier jour du semestre où ils commencent à courir, majoré de 8 points (Code de la "
            "commande publique, art. L2192-13)."
        ),
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
            "Payment %(methods)s within %(days)d days of receiving the invoice, issued "
            "once the service has been delivered (French public procurement code, L2192-10)."
        ),
        "payment_other": (
            "Balance on receipt of the invoice, issued after the visit, payable within %(days)d "
            "days %(methods)s."
        ),
        "deposit_none": "No deposit.",
        "deposit": "Deposit of %(percent)d %% (%(deposit)s) on confirmation.",
        "methods_transfer": "by bank transfer",
        "methods_card_or_transfer": "by card or bank transfer",
        "schedule": "Payment schedule",
        "due_deposit": (
            "Deposit: %(deposit)s, on acceptance of the quote, by %(date)s at the latest."
        ),
        "due_balance": (
            "Balance: %(balance)s, on %(date)s for an invoice issued and received on the day of "
            "the visit (%(visit)s)."
        ),
        "late": "Late payment penalties",
        "late_public": (
            "Late-payment interest: the ECB main refinancing rate in force on the first day of "
            "the half-year in which it starts to run, plus 8 points (French public procurement "
            "code, L2192-13)."
        ),
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


def _day(iso: str, language: str) -> str:
    """A calendar day of the schedule (ISO, Paris), as the quote writes its dates."""
    noon = datetime.combine(date.fromisoformat(iso), time(12), timezone.get_current_timezone())
    return format_date(noon, language)


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


def participants_text(version: QuoteVersion, language: str) -> str:
    """ "20 élèves ou étudiants, 1 adulte, 3 accompagnateurs (2 gratuités accompagnateur)":
    each category with its singular or plural (``ngettext``, in the quote's language)."""
    with translation.override(language):
        parts = [
            ngettext("%(n)d pupil or student", "%(n)d pupils or students", version.pupils)
            % {"n": version.pupils},
            ngettext("%(n)d adult", "%(n)d adults", version.adults) % {"n": version.adults},
            ngettext("%(n)d accompanying staff", "%(n)d accompanying staff", version.staff)
            % {"n": version.staff},
        ]
        text = ", ".join(parts)
        if version.free_places:
            free = ngettext(
                "%(n)d free place for staff", "%(n)d free places for staff", version.free_places
            )
            text += f" ({free % {'n': version.free_places}})"
    return text


def seller_mentions(seller: SellerProfile, language: str, public_buyer: bool) -> dict[str, str]:
    """The seller's VAT-regime and late-payment mentions in the quote's language: the English
    wording when the profile gives one, else the French (the seller's own words); a public
    buyer reads the law's late-payment interest instead of the seller's penalties."""
    english = language == "en"
    vat = (seller.vat_regime_mention_en if english else "") or seller.vat_regime_mention
    late = (seller.late_payment_mention_en if english else "") or seller.late_payment_mention
    labels = LABELS[language]
    return {
        "vat_regime": vat,
        "late": labels["late_public"] if public_buyer else f"{labels['late']} : {late}.",
    }


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
    schedule = version.payment_schedule or payment_schedule(
        organisation_type=quote.organisation_type,
        price=price,
        starts_at=version.starts_at,
        valid_until=version.valid_until,
    )
    terms = {
        "days": schedule["days_after_invoice"],
        "methods": labels[f"methods_{schedule['methods']}"],
        "percent": schedule["deposit_percent"],
        "deposit": money(schedule["deposit_cents"]),
    }
    kind = "payment_public" if quote.organisation_type in PUBLIC_TYPES else "payment_other"
    deposit = labels["deposit" if schedule["deposit_cents"] else "deposit_none"] % terms
    payment = f"{labels[kind] % terms} {deposit}"
    due = []
    if schedule["deposit_cents"]:
        due.append(
            labels["due_deposit"]
            % {
                "deposit": terms["deposit"],
                "date": _day(schedule["deposit_due"], language),
            }
        )
    due.append(
        labels["due_balance"]
        % {
            "balance": money(schedule["balance_cents"]),
            "date": _day(schedule["balance_due"], language),
            "visit": _day(schedule["invoice_after"], language),
        }
    )
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
        "payment": payment,
        "participants": participants_text(version, language),
        "mentions": {
            **seller_mentions(
                seller, language, public_buyer=quote.organisation_type in PUBLIC_TYPES
            ),
            # A training quote without VAT (invoicing.training) says why instead.
            **(
                {"vat_regime": EXEMPTION_MENTION_EN if language == "en" else EXEMPTION_MENTION}
                if price.get("vat_exempt")
                else {}
            ),
        },
        "schedule": due,
        "cancellation": _cancellation(version.itinerary.cancellation_policy, labels),
    }
    return render_to_string("procurement/quote.html", context)


def render_quote_pdf(quote: Quote, version: QuoteVersion) -> bytes:
    return render_pdf(quote_html(quote, version))
