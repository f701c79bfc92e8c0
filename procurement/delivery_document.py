"""The certificate of delivery (attestation de service fait / de réalisation), in the booking's
language, rendered by ``core.pdf`` from the recorded ``Delivery`` at each download.

What it prints is frozen once the final invoice exists: the delivery row never changes, the
accepted version is frozen, and the quote's order references (purchase order, commitment
number) can change only until the final invoice is issued (``procurement.services``). So the
same certificate reads the same every time; before the invoice, a commitment number given late
appears on the next download, as it does on the invoice.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from core.dates import format_date
from core.pdf import render_pdf
from invoicing.services import seller_profile_get
from procurement.models import Delivery, QuoteVersion

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Attestation de service fait",
        "subtitle": "Attestation de réalisation de la prestation",
        "seller": "Prestataire",
        "buyer": "Client",
        "siren": "SIREN",
        "siret": "SIRET",
        "vat_number": "N° TVA intracommunautaire",
        "references": "Références",
        "booking": "Réservation",
        "quote": "Devis",
        "version": "version",
        "purchase_order": "Bon de commande",
        "commitment": "N° d'engagement",
        "service_code": "Code service (Chorus Pro)",
        "none": "—",
        "delivered": "Prestation réalisée",
        "itinerary": "Visite guidée",
        "when": "Date et heure",
        "from_to": "le %(day)s, de %(start)s à %(end)s (heure de Paris)",
        "duration": "Durée",
        "hours": "%(hours)s heures",
        "meeting": "Lieu de rendez-vous",
        "attendance": "Participants présents",
        "category": "Catégorie",
        "booked": "Prévus",
        "attended": "Présents",
        "pupils": "Élèves ou étudiants",
        "adults": "Adultes",
        "staff": "Accompagnateurs",
        "total": "Total",
        "source_check_in": "Effectifs relevés par le guide lors du pointage.",
        "source_staff": "Effectifs constatés par le prestataire.",
        "statement": (
            "Le prestataire atteste que la prestation décrite ci-dessus a été réalisée "
            "le %(date)s, conformément au devis %(quote)s."
        ),
        "statement_no_quote": (
            "Le prestataire atteste que la prestation décrite ci-dessus a été réalisée le %(date)s."
        ),
        "recorded": "Service fait constaté le %(date)s par %(by)s.",
        "done_at": "Fait à %(city)s, le %(date)s.",
        "demo": "DONNÉES DE DÉMONSTRATION : coordonnées du prestataire à compléter.",
        "page": "page",
    },
    "en": {
        "title": "Certificate of delivery",
        "subtitle": "Attestation de service fait (service delivered)",
        "seller": "Provider",
        "buyer": "Client",
        "siren": "SIREN",
        "siret": "SIRET",
        "vat_number": "VAT number",
        "references": "References",
        "booking": "Booking",
        "quote": "Quote",
        "version": "version",
        "purchase_order": "Purchase order",
        "commitment": "Commitment number",
        "service_code": "Service code (Chorus Pro)",
        "none": "—",
        "delivered": "Service delivered",
        "itinerary": "Guided visit",
        "when": "Date and time",
        "from_to": "%(day)s, from %(start)s to %(end)s (Paris time)",
        "duration": "Duration",
        "hours": "%(hours)s hours",
        "meeting": "Meeting point",
        "attendance": "People present",
        "category": "Category",
        "booked": "Booked",
        "attended": "Present",
        "pupils": "Pupils or students",
        "adults": "Adults",
        "staff": "Accompanying staff",
        "total": "Total",
        "source_check_in": "Figures taken by the guide at check-in.",
        "source_staff": "Figures recorded by the provider.",
        "statement": (
            "The provider certifies that the service described above was delivered on "
            "%(date)s, as set out in quote %(quote)s."
        ),
        "statement_no_quote": (
            "The provider certifies that the service described above was delivered on %(date)s."
        ),
        "recorded": "Delivery recorded on %(date)s by %(by)s.",
        "done_at": "Issued in %(city)s on %(date)s.",
        "demo": "DEMONSTRATION DATA: the provider's details are still to be entered.",
        "page": "page",
    },
}


def _hours(minutes: int, language: str) -> str:
    text = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "fr" else text


def _time(moment: Any, language: str) -> str:
    local = timezone.localtime(moment)
    if language == "fr":
        return f"{local.hour} h {local.minute:02d}"
    return f"{local.hour}:{local.minute:02d}"


def _accepted_version(delivery: Delivery) -> QuoteVersion | None:
    quote = delivery.quote
    if quote is None:
        return None
    accepted = getattr(quote, "acceptance", None)
    version = accepted.version if accepted is not None else quote.current_version
    return QuoteVersion.objects.filter(quote=quote, version=version).first()


def _rows(delivery: Delivery, version: QuoteVersion | None, labels: dict[str, str]) -> list[Any]:
    booking = delivery.booking
    rows = []
    for name in ("pupils", "adults", "staff"):
        booked = getattr(version, name) if version is not None else None
        attended = getattr(delivery, name)
        if booked or attended or (version is None and name == "adults"):
            rows.append({"label": labels[name], "booked": booked, "attended": attended})
    rows.append(
        {
            "label": labels["total"],
            "booked": version.participants if version is not None else booking.participants,
            "attended": delivery.attended,
            "total": True,
        }
    )
    return rows


def delivery_html(delivery: Delivery) -> str:
    booking = delivery.booking
    language = booking.correspondence_language
    labels = LABELS[language]
    departure = booking.departure
    itinerary = departure.itinerary
    quote = delivery.quote
    version = _accepted_version(delivery)
    recorded_by = delivery.recorded_by
    day = format_date(departure.starts_at, language)
    statement = (
        labels["statement"] % {"date": day, "quote": f"{quote.number} v{version.version}"}
        if quote is not None and version is not None
        else labels["statement_no_quote"] % {"date": day}
    )
    minutes = int((departure.ends_at - departure.starts_at).total_seconds() // 60)
    seller = seller_profile_get()
    context = {
        "labels": labels,
        "language": language,
        "seller": seller,
        "booking": booking,
        "quote": quote,
        "version": version,
        "purchase_order": quote.purchase_order_number if quote else booking.purchase_order,
        "commitment": quote.commitment_number if quote else "",
        "service_code": booking.service_code or (quote.service_code if quote else ""),
        "itinerary_title": itinerary.title,
        "when": labels["from_to"]
        % {
            "day": day,
            "start": _time(departure.starts_at, language),
            "end": _time(departure.ends_at, language),
        },
        "duration": labels["hours"] % {"hours": _hours(minutes, language)},
        "meeting": itinerary.meeting_point,
        "rows": _rows(delivery, version, labels),
        "source": labels["source_check_in" if delivery.from_check_in else "source_staff"],
        "statement": statement,
        "recorded": labels["recorded"]
        % {
            "date": format_date(delivery.delivered_at, language),
            "by": recorded_by.get_full_name() or recorded_by.get_username(),
        },
        "done_at": labels["done_at"]
        % {"city": seller.city, "date": format_date(delivery.delivered_at, language)},
    }
    return render_to_string("procurement/delivery.html", context)


def render_delivery_pdf(delivery: Delivery) -> bytes:
    return render_pdf(delivery_html(delivery))


def delivery_filename(delivery: Delivery) -> str:
    french = delivery.booking.correspondence_language == "fr"
    prefix = "attestation-service-fait" if french else "certificate-of-delivery"
    return f"{prefix}-{delivery.booking.reference}.pdf"
