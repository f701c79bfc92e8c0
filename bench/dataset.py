"""A realistic data set for `make bench`: 20 itineraries, 2,000 departures, 20,000 bookings.

Written with bulk inserts for speed (bench data, not demo data): the invariants hold by
construction (sites sized generously, departures spread over the year).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.utils import timezone  # noqa: E402

from bookings.models import Booking  # noqa: E402
from itineraries.models import Departure, Itinerary, Option, Site, Stop, Theme  # noqa: E402

ITINERARIES = 20
DEPARTURES = 2_000
BOOKINGS = 20_000
HOT_CAPACITY = 1_000_000


def build() -> dict[str, object]:
    themes = Theme.objects.bulk_create(
        [Theme(slug=f"theme-{i}", name_fr=f"Thème {i}", name_en=f"Theme {i}") for i in range(6)]
    )
    sites = Site.objects.bulk_create(
        [
            Site(
                slug=f"site-{i}",
                name_fr=f"Site {i}",
                name_en=f"Site {i}",
                address="Loos",
                latitude=Decimal("50.44") + Decimal(i) / 1000,
                longitude=Decimal("2.78"),
                max_visitors=HOT_CAPACITY * 10,
            )
            for i in range(12)
        ]
    )
    itineraries = Itinerary.objects.bulk_create(
        [
            Itinerary(
                slug=f"itinerary-{i}",
                title_fr=f"Itinéraire {i}",
                title_en=f"Itinerary {i}",
                summary_fr="Visite",
                summary_en="Visit",
                meeting_point_fr="Base 11/19",
                meeting_point_en="Base 11/19",
                languages=["fr", "en"],
                min_participants=1,
                max_participants=30,
                price_per_person_cents=1500,
                is_published=True,
                lead_time_days=0,
            )
            for i in range(ITINERARIES)
        ]
    )
    stops, options = [], []
    for index, itinerary in enumerate(itineraries):
        itinerary.themes.set(themes[index % 6 : index % 6 + 2])
        for position in range(4):
            stops.append(
                Stop(
                    itinerary=itinerary,
                    site=sites[(index + position) % 12],
                    position=position + 1,
                    offset_minutes=position * 60,
                    duration_minutes=55,
                    title_fr=f"Étape {position}",
                    title_en=f"Stop {position}",
                )
            )
        options.append(
            Option(
                itinerary=itinerary,
                code="lunch",
                name_fr="Déjeuner",
                name_en="Lunch",
                price_per_person_cents=1800,
                vat_rate=Decimal(10),
            )
        )
    Stop.objects.bulk_create(stops)
    Option.objects.bulk_create(options)
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    departures = Departure.objects.bulk_create(
        [
            Departure(
                itinerary=itineraries[i % ITINERARIES],
                starts_at=start + timedelta(hours=(i // ITINERARIES) * 5),
                ends_at=start + timedelta(hours=(i // ITINERARIES) * 5 + 4),
                language="fr",
                capacity=HOT_CAPACITY if i < 100 else 1000,
            )
            for i in range(DEPARTURES)
        ]
    )
    Booking.objects.bulk_create(
        [
            Booking(
                reference=f"VB-{i:06d}",
                token_hash=secrets.token_hex(32),
                departure=departures[100 + i % (DEPARTURES - 100)],
                participants=2,
                language="fr",
                organisation_name="Groupe",
                organisation_type="school",
                contact_name="Contact",
                contact_email="c@example.org",
                payment_method="invoice",
                status="confirmed",
                price={},
                total_cents=3600,
            )
            for i in range(BOOKINGS)
        ],
        batch_size=2000,
    )
    return {
        "hot_departure": departures[0].pk,
        "spread_departures": [d.pk for d in departures[:100]],
        "itinerary": itineraries[0].slug,
        "month_from": start.date().isoformat(),
        "month_to": (start + timedelta(days=30)).date().isoformat(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(build()))
