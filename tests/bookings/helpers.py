"""Builders for booking tests: a bookable departure and a valid request body."""

from __future__ import annotations

from typing import Any

from bookings.terms import current_terms
from itineraries.models import Departure
from tests.factories import ItineraryFactory, OptionFactory, SiteFactory, schedule

VALID_SIRET = "21620041600016"  # Mairie d'Arras, valid Luhn check


def bookable_departure(*, capacity: int = 30, days: int = 40, **itinerary: Any) -> Departure:
    site = SiteFactory(max_visitors=200, latitude="50.44320", longitude="2.78850")
    defaults: dict[str, Any] = {
        "slug": "base-11-19",
        "min_participants": 1,
        "max_participants": 30,
        "price_per_person_cents": 1500,
        "minimum_charge_cents": 15000,
        "lead_time_days": 2,
        "meeting_site": site,
        "stops": [{"site": site, "offset_minutes": 0, "duration_minutes": 90}],
    }
    defaults.update(itinerary)
    it = ItineraryFactory(**defaults)
    OptionFactory(itinerary=it, code="lunch", price_per_person_cents=1800, vat_rate="10.00")
    return schedule(it, days=days, capacity=capacity)


def booking_body(target: Departure | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "participants": 18,
        "language": "fr",
        "options": ["lunch"],
        "organisation": {
            "name": "Mairie d'Arras",
            "type": "public_body",
            "siret": VALID_SIRET,
            "vat_number": "",
        },
        "contact": {
            "name": "Claire Martin",
            "email": "claire@example.org",
            "phone": "+33 6 12 34 56 78",
        },
        "billing": {
            "address": "Place des Héros",
            "postal_code": "62000",
            "city": "Arras",
            "country": "FR",
            "purchase_order": "EJ-2026-0042",
            "service_code": "SERV-01",
        },
        "payment_method": "invoice",
        "notes": "",
        "terms_version": current_terms().version,
    }
    if target is not None:
        body["departure"] = target.pk
    body.update(overrides)
    return body


def book(api: Any, target: Departure, **overrides: Any) -> Any:
    return api.post("/api/v1/bookings/", booking_body(target, **overrides), format="json")
