"""Baselines for `make bench`, served by the same gunicorn as the API (only when BENCH_VIEWS=1).

Each is the least a plain Django view can do for the same job, so that the API's figure is read
as a ratio against it, on the same machine, server, workers and load generator.

Document and feed baselines do the library's work on input computed once per worker process
(the same HTML, the same XML, the same event fields as the API's), so that they cost the bare
library call: WeasyPrint, WeasyPrint plus factur-x, icalendar.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from icalendar import Calendar, Event, vGeo
from weasyprint import HTML

from bookings.models import Booking
from bookings.programme import programme_html
from core.cache import bump
from guides import calendar, selectors
from guides.models import Guide
from itineraries.models import Departure, DepartureStatus

# Input computed once per worker process, so that a baseline's request is the bare library call.
_inputs: dict[tuple[str, str], Any] = {}


def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "items": [1, 2, 3]})


def _worker(response: HttpResponse) -> HttpResponse:
    """Which worker answered: the bench warms every worker before it measures."""
    response["X-Bench-Worker"] = str(os.getpid())
    return response


def _base_url() -> str:
    # The same base URL as core.pdf.render_pdf; the documents fetch nothing (inline SVG, fonts
    # from the system through fontconfig), so the URL fetcher makes no difference.
    return str(Path(settings.BASE_DIR).resolve()) + "/"


def bare_programme_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    """WeasyPrint on the programme HTML of the booking, rendered once per process beforehand."""
    key = ("programme", reference)
    if key not in _inputs:
        booking = Booking.objects.select_related("departure__itinerary").get(reference=reference)
        _inputs[key] = programme_html(booking)
    pdf = HTML(string=_inputs[key], base_url=_base_url()).write_pdf()
    return _worker(HttpResponse(pdf, content_type="application/pdf"))


def bare_invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """WeasyPrint as PDF/A-3b, then factur-x with the same CII XML and the same XSD check."""
    # Imported here, as the invoicing services do, so that a worker that never renders an
    # invoice does not load factur-x (the web worker RSS row would count it).
    import facturx

    from invoicing.cii import invoice_xml
    from invoicing.documents import invoice_html
    from invoicing.models import Invoice

    key = ("invoice", number)
    if key not in _inputs:
        invoice = Invoice.objects.select_related("credited_invoice").get(number=number)
        _inputs[key] = (invoice_html(invoice), invoice_xml(invoice))
    html, xml = _inputs[key]
    pdf = HTML(string=html, base_url=_base_url()).write_pdf(pdf_variant="pdf/a-3b")
    document = facturx.generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=True
    )
    return _worker(HttpResponse(document, content_type="application/pdf"))


def _feed_fields(guide_id: int) -> dict[str, Any]:
    """The calendar's and every event's property values, as the API's feed computes them."""
    guide = Guide.objects.get(pk=guide_id)
    assignments = selectors.feed_assignments(guide=guide, now=timezone.now())
    tz = timezone.get_default_timezone()
    with translation.override(settings.LANGUAGE_CODE):
        name = _("Visits — %(guide)s") % {"guide": guide.display_name}
        events = []
        for assignment in assignments:
            departure = assignment.departure
            itinerary = departure.itinerary
            stamp = calendar.last_change(assignment).astimezone(UTC)
            site = itinerary.meeting_site
            cancelled = departure.status == DepartureStatus.CANCELLED
            events.append(
                {
                    "uid": calendar.departure_uid(departure),
                    "dtstamp": stamp,
                    "last-modified": stamp,
                    "sequence": departure.sequence + assignment.sequence,
                    "dtstart": timezone.localtime(departure.starts_at, tz),
                    "dtend": timezone.localtime(departure.ends_at, tz),
                    "summary": calendar.event_summary(assignment),
                    "location": itinerary.meeting_point,
                    "geo": None if site is None else (float(site.latitude), float(site.longitude)),
                    "status": "CANCELLED" if cancelled else "CONFIRMED",
                    "description": calendar.event_description(assignment),
                    "url": calendar.programme_url(departure),
                }
            )
    return {"name": name, "events": events}


def bare_guide_feed(request: HttpRequest, guide_id: int) -> HttpResponse:
    """icalendar building the same calendar (same properties, same values) and serialising it."""
    key = ("feed", str(guide_id))
    if key not in _inputs:
        _inputs[key] = _feed_fields(guide_id)
    fields = _inputs[key]
    feed = Calendar()
    feed.add("prodid", calendar.PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("name", fields["name"])
    feed.add("x-wr-calname", fields["name"])
    feed.add("refresh-interval", calendar.REFRESH, parameters={"VALUE": "DURATION"})
    feed.add("x-published-ttl", "PT1H")
    for values in fields["events"]:
        event = Event()
        for name in ("uid", "dtstamp", "last-modified", "sequence", "dtstart", "dtend"):
            event.add(name, values[name])
        event.add("summary", values["summary"])
        event.add("location", values["location"])
        if values["geo"] is not None:
            event.add("geo", vGeo(values["geo"]))
        event.add("status", values["status"])
        event.add("description", values["description"])
        event.add("url", values["url"])
        feed.add_component(event)
    feed.add_missing_timezones()
    return _worker(HttpResponse(feed.to_ical(), content_type="text/calendar; charset=utf-8"))


@csrf_exempt
def bump_namespace(request: HttpRequest, namespace: str) -> JsonResponse:
    """What any write does to a cached namespace: the next read of it is a cache miss."""
    bump(namespace)
    return JsonResponse({"bumped": namespace})


@csrf_exempt
def bare_lock_count_insert(request: HttpRequest, departure_id: int) -> JsonResponse:
    """Lock a departure row, count its seats, insert a booking row: the ORM and nothing else."""
    with transaction.atomic():
        departure = Departure.objects.select_for_update().get(pk=departure_id)
        taken = Booking.objects.filter(departure=departure).aggregate(n=Sum("participants"))["n"]
        booking = Booking.objects.create(
            reference="BN-" + secrets.token_hex(4).upper(),
            token_hash="0" * 64,
            departure=departure,
            participants=2,
            language="fr",
            organisation_name="Bench",
            organisation_type="other",
            contact_name="Bench",
            contact_email="bench@example.org",
            payment_method="invoice",
            status="confirmed",
            price={},
            total_cents=0,
        )
    return JsonResponse({"id": booking.pk, "taken": taken or 0}, status=201)
