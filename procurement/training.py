"""The training agreement (convention de formation professionnelle) of a training quote (issue
16, item 5), a PDF in the quote's language rendered by ``core.pdf`` from the current version.

What the agreement states follows Code du travail L6353-1 (an agreement between the buyer of a
training action and the training body, stating the action's title, objectives, programme,
duration, dates, place, number of trainees, price and the means of following its execution)
and L6353-8 (the trainees receive the programme and the trainers' names): parties (the seller's
identity and, when set, its declaration of activity as a training body,
``SELLER_TRAINING_DECLARATION_NUMBER``; nothing is said of it when it is not set), objectives
(the quote's learning objectives and the itinerary's themes), programme (the stops and their
times), duration in hours, date and place, trainers (the guides assigned to the departure, else
"to be named"), trainees, price, the cancellation terms, how attendance is followed (a sign-in
sheet per half-day, a certificate of completion per trainee) and two signature blocks.

It is rendered when asked for, not stored: the document the buyer accepts, and whose hash an
acceptance records, is the quote's own PDF; the agreement restates it for the funder.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from core.dates import format_date, format_datetime
from core.money import format_money
from core.pdf import render_pdf
from guides.models import Assignment
from invoicing.services import seller_profile_get
from invoicing.training import EXEMPTION_MENTION, EXEMPTION_MENTION_EN
from itineraries.models import Departure
from procurement.documents import LABELS as QUOTE_LABELS
from procurement.documents import _cancellation, participants_text
from procurement.models import Quote, QuoteVersion

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Convention de formation professionnelle",
        "law": "Articles L6353-1 et L6353-2 du Code du travail",
        "quote": "Établie d'après le devis",
        "version": "version",
        "between": "Entre les soussignés",
        "seller": "L'organisme de formation",
        "buyer": "Le bénéficiaire (l'employeur ou l'organisme qui finance la formation)",
        "siret": "SIRET",
        "declaration": (
            "Déclaration d'activité enregistrée sous le numéro %(number)s auprès du préfet de "
            "région. Cet enregistrement ne vaut pas agrément de l'État."
        ),
        "represented": "représenté par",
        "object": "Article 1 — Objet",
        "object_text": (
            "Le bénéficiaire fait suivre à ses salariés ou agents l'action de formation "
            "suivante, organisée par l'organisme de formation :"
        ),
        "action": "Intitulé",
        "objectives": "Article 2 — Objectifs",
        "themes": "Thèmes abordés",
        "programme": "Article 3 — Programme",
        "duration": "Article 4 — Durée, dates et lieu",
        "hours": "Durée : %(hours)s heures.",
        "dates": "Date : le %(start)s, fin à %(end)s.",
        "place": "Lieu : %(place)s.",
        "trainers": "Article 5 — Formateurs",
        "to_be_named": (
            "Guides-formateurs à désigner ; leurs noms sont communiqués avant la visite."
        ),
        "trainees": "Article 6 — Stagiaires",
        "trainees_text": "Nombre de stagiaires : %(count)d (%(detail)s).",
        "follow": "Article 7 — Suivi et appréciation des résultats",
        "follow_text": (
            "Une feuille d'émargement par demi-journée est signée par chaque stagiaire et par "
            "le formateur. À l'issue de la visite, un certificat de réalisation est délivré "
            "pour chaque stagiaire présent, et une attestation de service fait au bénéficiaire."
        ),
        "price": "Article 8 — Prix",
        "total_excl": "Total HT",
        "vat": "TVA",
        "total_incl": "Total TTC",
        "payment": "Le prix est payé selon les conditions de paiement du devis.",
        "cancellation": "Article 9 — Annulation, abandon",
        "cancellation_text": (
            "En cas d'annulation par le bénéficiaire, les conditions suivantes s'appliquent :"
        ),
        "cancellation_seller": (
            "Si l'organisme de formation annule l'action, les sommes versées sont "
            "intégralement remboursées."
        ),
        "signatures": "Fait en deux exemplaires, le %(date)s.",
        "for_buyer": "Pour le bénéficiaire (nom, fonction, signature et cachet)",
        "for_seller": "Pour l'organisme de formation (nom, fonction, signature)",
        "demo": "DONNÉES DE DÉMONSTRATION : coordonnées de l'organisme à compléter.",
        "page": "page",
    },
    "en": {
        "title": "Professional training agreement",
        "law": "French Labour Code (Code du travail), articles L6353-1 and L6353-2",
        "quote": "Drawn up from quote",
        "version": "version",
        "between": "Between the undersigned",
        "seller": "The training provider",
        "buyer": "The beneficiary (the employer or body funding the training)",
        "siret": "SIRET",
        "declaration": (
            "Declaration of activity registered under number %(number)s with the regional "
            "prefect. This registration is not an approval by the State."
        ),
        "represented": "represented by",
        "object": "Article 1 — Purpose",
        "object_text": (
            "The beneficiary has its employees or staff attend the following training action, "
            "organised by the training provider:"
        ),
        "action": "Title",
        "objectives": "Article 2 — Objectives",
        "themes": "Themes covered",
        "programme": "Article 3 — Programme",
        "duration": "Article 4 — Duration, dates and place",
        "hours": "Duration: %(hours)s hours.",
        "dates": "Date: %(start)s, ending at %(end)s.",
        "place": "Place: %(place)s.",
        "trainers": "Article 5 — Trainers",
        "to_be_named": "Guide-trainers to be named; their names are given before the visit.",
        "trainees": "Article 6 — Trainees",
        "trainees_text": "Number of trainees: %(count)d (%(detail)s).",
        "follow": "Article 7 — Following the training and assessing its results",
        "follow_text": (
            "Each trainee and the trainer sign a sign-in sheet for every half-day. After the "
            "visit, a certificate of completion is issued for every trainee who attended, and a "
            "certificate of delivery to the beneficiary."
        ),
        "price": "Article 8 — Price",
        "total_excl": "Total excl. VAT",
        "vat": "VAT",
        "total_incl": "Total incl. VAT",
        "payment": "The price is paid on the payment terms of the quote.",
        "cancellation": "Article 9 — Cancellation",
        "cancellation_text": "If the beneficiary cancels, the following terms apply:",
        "cancellation_seller": (
            "If the training provider cancels the action, all sums paid are refunded in full."
        ),
        "signatures": "Made in two copies, on %(date)s.",
        "for_buyer": "For the beneficiary (name, role, signature and stamp)",
        "for_seller": "For the training provider (name, role, signature)",
        "demo": "DEMONSTRATION DATA: the provider's details are still to be entered.",
        "page": "page",
    },
}


def hours_text(minutes: int, language: str) -> str:
    """``210`` -> ``3,5`` / ``3.5``; whole hours without decimals."""
    whole, rest = divmod(minutes, 60)
    if rest == 0:
        return str(whole)
    text = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "fr" else text


def trainers(departure: Departure | None) -> list[str]:
    """The guides assigned to the departure, lead first; none for a private date not booked."""
    if departure is None or departure.pk is None:
        return []
    rows = (
        Assignment.objects.filter(departure=departure)
        .select_related("guide")
        .order_by("role", "guide__display_name")
    )
    return list(dict.fromkeys(row.guide.display_name for row in rows))


def _departure(quote: Quote, version: QuoteVersion) -> Departure | None:
    """The booked visit's departure once accepted (a private date gets one), else the quote's."""
    if quote.booking_id is not None and quote.booking is not None:
        return quote.booking.departure
    return version.departure


def programme(version: QuoteVersion, starts_at: Any) -> list[dict[str, str]]:
    rows = []
    for stop in version.itinerary.stops.select_related("site").order_by("position"):
        begin = timezone.localtime(starts_at + timedelta(minutes=stop.offset_minutes))
        end = begin + timedelta(minutes=stop.duration_minutes)
        rows.append(
            {"time": f"{begin:%H:%M} - {end:%H:%M}", "title": stop.title, "site": stop.site.name}
        )
    return rows


def training_agreement_html(quote: Quote, version: QuoteVersion) -> str:
    language = quote.language if quote.language in LABELS else "en"
    labels = LABELS[language]
    seller = seller_profile_get()
    price = version.price
    itinerary = version.itinerary
    departure = _departure(quote, version)
    starts_at = departure.starts_at if departure is not None else version.starts_at
    minutes = itinerary.duration_minutes
    ends_at = starts_at + timedelta(minutes=minutes)
    site = itinerary.meeting_site
    place = ", ".join(
        part for part in (itinerary.meeting_point, site.address if site else "") if part
    )

    def money(cents: int) -> str:
        return format_money(cents, language, plain_spaces=True)

    number = str(getattr(settings, "SELLER_TRAINING_DECLARATION_NUMBER", "") or "").strip()
    with translation.override(language):
        context = {
            "labels": labels,
            "language": language,
            "quote": quote,
            "version": version,
            "seller": seller,
            "declaration": labels["declaration"] % {"number": number} if number else "",
            "title": itinerary.title,
            "objectives": version.objectives,
            "themes": [theme.name for theme in itinerary.themes.order_by("position", "name")],
            "programme": programme(version, starts_at),
            "hours": labels["hours"] % {"hours": hours_text(minutes, language)},
            "dates": labels["dates"]
            % {
                "start": format_datetime(starts_at, language),
                "end": f"{timezone.localtime(ends_at):%H:%M}",
            },
            "place": labels["place"] % {"place": place or itinerary.meeting_point},
            "trainers": trainers(departure),
            "trainees": labels["trainees_text"]
            % {"count": version.participants, "detail": participants_text(version, language)},
            "total_excl": money(price["total_excl_vat_cents"]),
            "total_vat": money(price["vat_cents"]),
            "total_incl": money(price["total_cents"]),
            "exemption": (EXEMPTION_MENTION_EN if language == "en" else EXEMPTION_MENTION)
            if price.get("vat_exempt")
            else "",
            "cancellation": _cancellation(itinerary.cancellation_policy, QUOTE_LABELS[language]),
            "signed_on": labels["signatures"] % {"date": format_date(timezone.now(), language)},
        }
        return render_to_string("procurement/training_agreement.html", context)


def render_training_agreement_pdf(quote: Quote, version: QuoteVersion) -> bytes:
    return render_pdf(training_agreement_html(quote, version))
