"""The demo season grown ten and a hundred times, and what the endpoints cost on it.

``grow(factor)`` runs on a database where ``load_demo`` and ``load_guides_demo`` ran. It adds
``factor - 1`` copies of each demo itinerary (its stops at the same sites, its options and
themes) with a copy of each of its departures, then, on every departure, the season's groups
(``GROUPS_PER_DEPARTURE``: confirmed ones paying by invoice, one still a request) and an invoice
for every confirmed group, all with bulk inserts: the invoices are copies of one issued through
the invoicing service, numbered on in its series. ``grow(1)`` is the small data set: the demo
season with its groups and invoices. A factor of 100 (300 itineraries, about 7,000 departures,
21,000 bookings, 14,000 invoices) is written in a few seconds.

``ENDPOINTS`` are the requests checked at every size: every public read (cache missed), the
staff lists and the reports (the accounting export). tests/core/test_scale.py asserts that each
keeps its number of queries from the small to the grown data set; `make bench` measures their
times (``python -m bench.scale``: one gunicorn per size, requests interleaved across them).
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from subprocess import DEVNULL
from typing import Any

GROUPS_PER_DEPARTURE = 3  # two confirmed (invoiced), one request
GROUP_SIZE = 8
READ_TOKEN = "scale-read-token-" + "0" * 32  # the known token of one group, for its own page
FACTORS = (1, 10, 100)
TIME_RATIO_MAX = 1.3


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # ``{slug}``, ``{month_from}``, ``{month_to}``, ``{reference}`` filled in
    staff: bool = False
    token: bool = False
    report: bool = False  # a report: its query count is fixed, its time grows with the data


ENDPOINTS = (
    Endpoint("catalogue", "/api/v1/itineraries/"),
    Endpoint("itinerary", "/api/v1/itineraries/{slug}/"),
    Endpoint(
        "availability", "/api/v1/itineraries/{slug}/availability/?from={month_from}&to={month_to}"
    ),
    Endpoint("departures", "/api/v1/departures/?itinerary={slug}&from={month_from}T00:00:00Z"),
    Endpoint("themes", "/api/v1/themes/"),
    Endpoint("sites", "/api/v1/sites/"),
    Endpoint("sites geojson", "/api/v1/sites.geojson"),
    Endpoint("booking (token)", "/api/v1/bookings/{reference}/", token=True),
    Endpoint("staff bookings", "/api/v1/bookings/", staff=True),
    Endpoint("staff departures", "/api/v1/departures/", staff=True),
    Endpoint("staff invoices", "/api/v1/invoices/", staff=True),
    Endpoint("staff guides", "/api/v1/guides/", staff=True),
    Endpoint("lacking guides", "/api/v1/departures/lacking-guides/", staff=True),
    Endpoint("invoice export", "/api/v1/invoices/export.csv", staff=True, report=True),
)


def grow(factor: int) -> dict[str, Any]:
    """Multiply the demo season by ``factor`` and give it groups and invoices (see above)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from bookings.models import Booking, BookingStatus
    from bookings.pricing import price_booking
    from core.tokens import hash_token
    from invoicing import services as invoicing
    from invoicing.models import Invoice, InvoiceSequence
    from invoicing.staff_groups import ACCOUNTING
    from itineraries.models import Departure, Itinerary, Option, Stop

    # Incremental: grow(1) then grow(10) gives the same data set as grow(10) alone.
    itineraries = list(Itinerary.objects.filter(is_published=True).order_by("pk"))
    originals = [i for i in itineraries if not re.search(r"-x\d+$", i.slug)]
    made = len(itineraries) // max(len(originals), 1)
    departures_of = {
        itinerary.pk: list(Departure.objects.filter(itinerary=itinerary).order_by("starts_at"))
        for itinerary in originals
    }
    for copy in range(made, factor):
        _copy_itineraries(copy, originals, departures_of, Itinerary, Stop, Option, Departure)

    departures = list(
        Departure.objects.filter(bookings__isnull=True).select_related("itinerary").order_by("pk")
    )
    offset = Booking.objects.count()
    prices: dict[int, dict[str, Any]] = {}
    groups: list[Booking] = []
    for index, departure in enumerate(departures):
        itinerary = departure.itinerary
        if itinerary.pk not in prices:
            prices[itinerary.pk] = price_booking(
                itinerary=itinerary, participants=GROUP_SIZE, options=[], language="fr"
            )
        price = prices[itinerary.pk]
        for n in range(GROUPS_PER_DEPARTURE):
            confirmed = n < GROUPS_PER_DEPARTURE - 1
            groups.append(
                Booking(
                    reference=f"VA-{_base30(offset + index * GROUPS_PER_DEPARTURE + n)}",
                    token_hash=hash_token(f"scale-{index}-{n}"),
                    departure=departure,
                    participants=GROUP_SIZE,
                    language=departure.language,
                    organisation_name=f"Collège {index}-{n}",
                    organisation_type="school",
                    contact_name="Camille Martin",
                    contact_email=f"groupe{index}-{n}@example.org",
                    billing_address="12 rue Jean Jaurès",
                    billing_postal_code="62750",
                    billing_city="Loos-en-Gohelle",
                    payment_method="invoice",
                    status=BookingStatus.CONFIRMED if confirmed else BookingStatus.REQUESTED,
                    hold_expires_at=None if confirmed else timezone.now() + timedelta(days=7),
                    price=price,
                    total_cents=price["total_cents"],
                )
            )
    if groups and not Booking.objects.filter(token_hash=hash_token(READ_TOKEN)).exists():
        groups[0].token_hash = hash_token(READ_TOKEN)
    Booking.objects.bulk_create(groups, batch_size=2000)

    # One invoice through the service, the others copied from it, numbered on in its series.
    to_invoice = list(
        Booking.objects.filter(status=BookingStatus.CONFIRMED, invoices__isnull=True).order_by("pk")
    )
    template = invoicing.invoice_issue(booking=to_invoice[0], kind=invoicing.FULL)
    prefix, first = template.number.rsplit("-", 1)
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Invoice._meta.concrete_fields
        if not f.primary_key
    }
    copies = [
        Invoice(
            **{**fields, "number": f"{prefix}-{int(first) + offset:06d}", "booking_id": booking.pk}
        )
        for offset, booking in enumerate(to_invoice[1:], start=1)
    ]
    Invoice.objects.bulk_create(copies, batch_size=2000)
    InvoiceSequence.objects.filter(last_number=int(first)).update(
        last_number=int(first) + len(copies)
    )

    user_model = get_user_model()
    staff, _created = user_model.objects.get_or_create(
        username="scale-office",
        defaults={"is_staff": True, "is_superuser": True, "password": "!"},
    )
    staff.groups.set(Group.objects.filter(name=ACCOUNTING))
    today = timezone.localdate()
    return {
        "factor": factor,
        "slug": originals[0].slug,
        "reference": Booking.objects.get(token_hash=hash_token(READ_TOKEN)).reference,
        "token": READ_TOKEN,
        "month_from": today.isoformat(),
        "month_to": (today + timedelta(days=30)).isoformat(),
        "itineraries": Itinerary.objects.count(),
        "departures": Departure.objects.count(),
        "bookings": Booking.objects.count(),
        "invoices": Invoice.objects.count(),
        "staff": staff.pk,
    }


def _copy_itineraries(
    copy: int,
    originals: list[Any],
    departures_of: dict[int, list[Any]],
    itinerary_model: Any,
    stop_model: Any,
    option_model: Any,
    departure_model: Any,
) -> None:
    """One more copy of every demo itinerary, its stops, options, themes and departures."""

    def clone(instance: Any, **changes: Any) -> Any:
        fields = {
            f.attname: getattr(instance, f.attname)
            for f in type(instance)._meta.concrete_fields
            if not f.primary_key
        }
        fields.update(changes)
        return type(instance)(**fields)

    made = itinerary_model.objects.bulk_create(
        [
            clone(
                itinerary,
                slug=f"{itinerary.slug}-x{copy}",
                title_fr=f"{itinerary.title_fr} ({copy})",
                title_en=f"{itinerary.title_en} ({copy})",
            )
            for itinerary in originals
        ]
    )
    stops, options, departures = [], [], []
    for original, new in zip(originals, made, strict=True):
        new.themes.set(original.themes.all())
        stops += [clone(s, itinerary_id=new.pk) for s in original.stops.all()]
        options += [clone(o, itinerary_id=new.pk) for o in original.options.all()]
        departures += [clone(d, itinerary_id=new.pk) for d in departures_of[original.pk]]
    stop_model.objects.bulk_create(stops)
    option_model.objects.bulk_create(options)
    departure_model.objects.bulk_create(departures, batch_size=2000)


def _base30(number: int) -> str:
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ2345678"
    digits = []
    for _ in range(6):
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(reversed(digits))


SIZE_KEYS = ("itineraries", "departures", "bookings", "invoices")
ROUNDS = int(os.environ.get("BENCH_SCALE_ROUNDS", "15"))
BASE_DB = "va_scale_base"


def prepare(env: dict[str, str]) -> dict[int, dict[str, Any]]:
    """One PostgreSQL database per factor, from one migrated demo database used as a template."""
    import psycopg

    from bench.run import PG, PYTHON, ROOT

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for name in (BASE_DB, *(f"va_scale_{f}" for f in FACTORS)):
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BASE_DB}")
    base = {**env, "DATABASE_URL": f"{PG}/{BASE_DB}"}
    for command in (["migrate", "-v0"], ["load_demo"], ["load_guides_demo"]):
        subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *command], cwd=ROOT, env=base, check=True, stdout=DEVNULL
        )
    data = {}
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        for factor in FACTORS:
            conn.execute(f"CREATE DATABASE va_scale_{factor} TEMPLATE {BASE_DB}")
    for factor in FACTORS:
        started = time.perf_counter()
        out = subprocess.run(  # noqa: S603
            [PYTHON, "-m", "bench.scale", "grow", str(factor)],
            cwd=ROOT,
            env={**env, "DATABASE_URL": f"{PG}/va_scale_{factor}"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        data[factor] = json.loads(out.strip().splitlines()[-1])
        data[factor]["grow_s"] = round(time.perf_counter() - started, 1)
    return data


def measure(env: dict[str, str]) -> dict[str, Any]:
    """Every endpoint on every size: one gunicorn per size (1 worker, 2 threads, its own Redis
    database), one request at a time, the sizes interleaved request by request (the order
    rotating), ROUNDS rounds; each public read misses the cache (a query parameter of its own).
    The ratio of a size is the median of its requests over the small data set's."""
    import http.client

    import redis

    from bench.run import free_port, start_server

    data = prepare(env)
    servers, ports, sessions = [], {}, {}
    try:
        for index, factor in enumerate(FACTORS):
            port = free_port()
            redis_url = f"redis://127.0.0.1:6379/{9 + index}"
            redis.Redis.from_url(redis_url).flushdb()
            size_env = {
                **env,
                "DATABASE_URL": f"{env['PG']}/va_scale_{factor}",
                "REDIS_URL": redis_url,
                "SITE_URL": f"http://127.0.0.1:{port}",
            }
            sessions[factor] = _session(size_env, data[factor]["staff"])
            servers.append(
                start_server(size_env, port, workers=1, threads=2, extra=("--timeout", "120"))
            )
            ports[factor] = port
        connections = {
            f: http.client.HTTPConnection("127.0.0.1", p, timeout=120) for f, p in ports.items()
        }
        times: dict[str, dict[int, list[float]]] = {
            e.name: {f: [] for f in FACTORS} for e in ENDPOINTS
        }
        statuses: set[tuple[str, int]] = set()
        for round_ in range(ROUNDS + 1):  # the first round warms up and is not kept
            for endpoint in ENDPOINTS:
                order = FACTORS[round_ % 3 :] + FACTORS[: round_ % 3]
                for factor in order:
                    path = paths(data[factor])[endpoint.name]
                    if not endpoint.staff and not endpoint.token:
                        path += ("&" if "?" in path else "?") + f"bench={round_}"
                    headers = {"Accept": "application/json"}
                    if endpoint.token:
                        headers["X-Booking-Token"] = READ_TOKEN
                    if endpoint.staff:
                        headers["Cookie"] = f"sessionid={sessions[factor]}"
                    for attempt in (1, 2):
                        started = time.perf_counter()
                        try:
                            connections[factor].request("GET", path, headers=headers)
                            response = connections[factor].getresponse()
                            response.read()
                            break
                        except (OSError, http.client.HTTPException):
                            # Idle past gunicorn's keep-alive while a slow report ran on
                            # another size: once more on a new connection.
                            connections[factor].close()
                            connections[factor] = http.client.HTTPConnection(
                                "127.0.0.1", ports[factor], timeout=120
                            )
                            if attempt == 2:
                                raise
                    elapsed = time.perf_counter() - started
                    if response.status != 200:
                        statuses.add((endpoint.name, response.status))
                    if round_:
                        times[endpoint.name][factor].append(1000 * elapsed)
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    rows = {}
    for endpoint in ENDPOINTS:
        medians = {f: statistics.median(times[endpoint.name][f]) for f in FACTORS}
        rows[endpoint.name] = {
            "report": endpoint.report,
            "ms": {str(f): round(medians[f], 2) for f in FACTORS},
            "ratio": {str(f): round(medians[f] / medians[1], 2) for f in FACTORS[1:]},
            "ok": endpoint.report
            or all(medians[f] / medians[1] <= TIME_RATIO_MAX for f in FACTORS[1:]),
        }
    sizes = {
        str(f): {
            k: data[f][k] for k in ("itineraries", "departures", "bookings", "invoices", "grow_s")
        }
        for f in FACTORS
    }
    return {"sizes": sizes, "rows": rows, "errors": sorted(statuses), "rounds": ROUNDS}


def _session(env: dict[str, str], staff: int) -> str:
    """A signed-in session of the data set's staff user, in that size's database and cache."""
    from bench.run import PYTHON, ROOT

    code = (
        "import django; django.setup();"
        "from django.conf import settings; from django.test import Client;"
        "from django.contrib.auth import get_user_model;"
        f"u = get_user_model().objects.get(pk={staff}); c = Client();"
        "c.force_login(u, backend='django.contrib.auth.backends.ModelBackend');"
        "print(c.cookies[settings.SESSION_COOKIE_NAME].value)"
    )
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def print_table(result: dict[str, Any]) -> bool:
    """The sizes and the rows; whether every non-report row is within TIME_RATIO_MAX."""
    for factor, size in result["sizes"].items():
        print(
            f"data x{factor}: {size['itineraries']} itineraries, {size['departures']} departures, "
            f"{size['bookings']} bookings, {size['invoices']} invoices "
            f"(grown in {size['grow_s']} s)"
        )
    print(f"{'endpoint':<20}{'x1 ms':>9}{'x10 ms':>9}{'x100 ms':>9}{'x10/x1':>8}{'x100/x1':>8}  ok")
    ok = not result["errors"]
    for name, row in result["rows"].items():
        ms, ratio = row["ms"], row["ratio"]
        verdict = "report" if row["report"] else "yes" if row["ok"] else "NO"
        ok &= row["ok"]
        print(
            f"{name:<20}{ms['1']:>9.1f}{ms['10']:>9.1f}{ms['100']:>9.1f}"
            f"{ratio['10']:>8.2f}{ratio['100']:>8.2f}  {verdict}"
        )
    for name, status in result["errors"]:
        print(f"{name}: answered {status}")
    return ok


def main_environment() -> dict[str, str]:
    from bench.run import PG, environment, free_port

    env = {**environment(free_port()), "PG": PG}
    env.pop("BENCH_VIEWS", None)
    return env


def main() -> int:
    result = measure(main_environment())
    ok = print_table(result)
    return 0 if ok else 1


def paths(data: dict[str, Any]) -> dict[str, str]:
    """Each endpoint's path on a grown data set."""
    return {endpoint.name: endpoint.path.format(**data) for endpoint in ENDPOINTS}


if __name__ == "__main__":
    if sys.argv[1:2] == ["grow"]:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
        django.setup()
        print(json.dumps(grow(int(sys.argv[2]))))
    else:
        sys.exit(main())
