"""A realistic data set for `make bench`: 20 itineraries, 2,000 departures, 20,000 bookings,
and for the documents and feeds: 10 guides with 1,000 assignments each, bookings with their
tokens for the programme PDF, confirmed bookings ready to invoice and a signed-in staff session.

Written with bulk inserts for speed (bench data, not demo data): the invariants hold by
construction (sites sized generously, departures spread over the year, a guide's visits two a
day with the travel buffer between them, so that ``assignment_no_overlap`` holds).
"""

from __future__ import annotations

import os
import secrets
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from bookings.models import Booking, BookingStatus  # noqa: E402
from bookings.pricing import price_booking  # noqa: E402
from core.tokens import new_token  # noqa: E402
from guides.models import Assignment, AssignmentRole, Guide  # noqa: E402
from guides.selectors import buffered_range  # noqa: E402
from invoicing import services as invoicing  # noqa: E402
from invoicing.staff_groups import ACCOUNTING  # noqa: E402
from itineraries.models import Departure, Itinerary, Option, Site, Stop, Theme  # noqa: E402

ITINERARIES = 20
DEPARTURES = 2_000
BOOKINGS = 20_000
HOT_CAPACITY = 1_000_000
# Documents and feeds: 10 guides on 1,000 visits each, in pairs (a lead and an assistant) on
# departures of their own, two a day (09:00 and 14:00, four hours), after the month the
# availability row reads, so that the rows measured before them see the data set they always saw.
GUIDES = 10
VISITS_PER_GUIDE = 1_000
GUIDED_AFTER_DAYS = 40
VISIT_HOURS = 4
DAY_STARTS = (time(9), time(14))
PROGRAMME_BOOKINGS = 120
INVOICE_BOOKINGS = 200
LOCAL = ZoneInfo("Europe/Paris")


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
        **documents(itineraries, options, start),
    }


def _visit_starts(first_day: datetime, count: int) -> list[datetime]:
    """``count`` local start times, two a day: the buffered ranges of one day only touch."""
    starts: list[datetime] = []
    day = first_day.date()
    while len(starts) < count:
        for at in DAY_STARTS:
            starts.append(datetime.combine(day, at, tzinfo=LOCAL))
        day += timedelta(days=1)
    return starts[:count]


def _group(reference: str, departure: Departure, price: dict[str, Any], token_hash: str) -> Booking:
    return Booking(
        reference=reference,
        token_hash=token_hash,
        departure=departure,
        participants=20,
        language="fr",
        options=["lunch"],
        organisation_name=f"Collège {reference}",
        organisation_type="school",
        contact_name="Camille Martin",
        contact_email="camille.martin@example.org",
        contact_phone="+33 3 21 00 00 00",
        billing_address="12 rue Jean Jaurès",
        billing_postal_code="62750",
        billing_city="Loos-en-Gohelle",
        payment_method="invoice",
        status=BookingStatus.CONFIRMED,
        price=price,
        total_cents=price["total_cents"],
    )


def documents(
    itineraries: list[Itinerary], options: list[Option], start: datetime
) -> dict[str, object]:
    """Guides and their assignments, programme and invoice bookings, a staff token."""
    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"guide-{i}", password="!") for i in range(GUIDES)]  # noqa: S106
    )
    tokens = [new_token() for _ in range(GUIDES)]
    guides = Guide.objects.bulk_create(
        [
            Guide(
                user=user,
                display_name=f"Guide {i:02d}",
                phone=f"+33 6 00 00 00 {i:02d}",
                languages=["fr", "en"],
                feed_token_hash=token_hash,
            )
            for i, (user, (_token, token_hash)) in enumerate(zip(users, tokens, strict=True))
        ]
    )
    # A pair of guides per departure: five departures at each visit time.
    pairs = GUIDES // 2
    starts = _visit_starts(start + timedelta(days=GUIDED_AFTER_DAYS), VISITS_PER_GUIDE)
    guided = Departure.objects.bulk_create(
        [
            Departure(
                itinerary=itineraries[(slot * pairs + pair) % ITINERARIES],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=VISIT_HOURS),
                language="fr",
                capacity=30,
            )
            for slot, starts_at in enumerate(starts)
            for pair in range(pairs)
        ],
        batch_size=2000,
    )
    assignments = []
    for index, departure in enumerate(guided):
        buffered_start, buffered_end = buffered_range(
            starts_at=departure.starts_at, ends_at=departure.ends_at
        )
        pair = index % pairs
        for role, guide in zip(
            (AssignmentRole.LEAD, AssignmentRole.ASSISTANT),
            guides[2 * pair : 2 * pair + 2],
            strict=True,
        ):
            assignments.append(
                Assignment(
                    guide=guide,
                    departure=departure,
                    role=role,
                    starts_at=buffered_start,
                    ends_at=buffered_end,
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=2000)

    lunch = {option.itinerary_id: option for option in options}
    prices = {
        itinerary.pk: price_booking(
            itinerary=itinerary, participants=20, options=[lunch[itinerary.pk]], language="fr"
        )
        for itinerary in itineraries
    }
    # Confirmed groups on the guided departures (so the feeds list groups too): the programme
    # bookings with their tokens, then the ones to invoice, then one invoiced here as the
    # template of the bare invoice baseline.
    programme_tokens = [new_token() for _ in range(PROGRAMME_BOOKINGS)]
    groups = [
        _group(f"VA-P{i:05d}", guided[i], prices[guided[i].itinerary_id], token_hash)
        for i, (_token, token_hash) in enumerate(programme_tokens)
    ]
    groups += [
        _group(f"VA-I{i:05d}", departure, prices[departure.itinerary_id], "0" * 64)
        for i, departure in enumerate(
            guided[PROGRAMME_BOOKINGS : PROGRAMME_BOOKINGS + INVOICE_BOOKINGS + 1]
        )
    ]
    Booking.objects.bulk_create(groups)
    template = Booking.objects.get(reference=f"VA-I{INVOICE_BOOKINGS:05d}")
    invoice = invoicing.invoice_issue(booking=template, kind=invoicing.FULL)

    staff = user_model.objects.create(username="bench-office", is_staff=True, password="!")  # noqa: S106
    # Issues invoices and reads them through the staff API: the accounting group's rights.
    staff.groups.set(Group.objects.filter(name=ACCOUNTING))
    return {
        "feed_tokens": [token for token, _hash in tokens],
        "feed_guides": [guide.pk for guide in guides],
        "programme_bookings": [
            [f"VA-P{i:05d}", token] for i, (token, _hash) in enumerate(programme_tokens)
        ],
        "invoice_bookings": [f"VA-I{i:05d}" for i in range(INVOICE_BOOKINGS)],
        "template_invoice": invoice.number,
        "staff_session": _signed_in_session(staff),
    }


def _signed_in_session(user: Any) -> str:
    """A session in the database for ``user``, as the admin's sign-in leaves one: its key."""
    browser = Client()
    browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return str(browser.cookies[settings.SESSION_COOKIE_NAME].value)


if __name__ == "__main__":
    import json

    print(json.dumps(build()))
