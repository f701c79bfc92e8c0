"""The group's programme as a PDF: cover, timetable, route map, practical notes, contacts, QR code.

French or English as booked. Rendered once per booking version (see ``programme_version``) and kept
in Django's cache, so a group that downloads it ten times, or the confirmation e-mail, never pays
for WeasyPrint twice.

Higher apps add sections without this module importing them: the guides app appends a callable to
``programme_sections`` (in its ``AppConfig.ready()``); each callable gets the booking, runs inside
the booking's language, and returns guides as dicts with ``name`` and optional ``phone`` and
``detail`` strings. What a section returns is part of the document's version; a contributor
bumps ``SECTIONS_NAMESPACE`` whenever what it returns may have changed, which makes the tokens'
cached heads (below) stale.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import qrcode
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from qrcode.image.svg import SvgPathImage

from bookings import links
from bookings.models import Booking
from core.cache import VERSION_KEY, namespace_version
from core.extensions import ExtensionPoint
from core.pdf import render_pdf
from core.tokens import hash_token
from itineraries.invalidation import CATALOGUE
from itineraries.models import Site, Stop

# Bump when the template or the drawing changes, so that cached PDFs and ETags are renewed.
LAYOUT_VERSION = "4"  # 2: accessibility per stop in the timetable; 3: a shorter route map;
# 4: walking distance, climb, toilets and the alternative per stop
CACHE_SECONDS = 30 * 24 * 3600
# The visits happen in Loos-en-Gohelle: times are local there, whatever the server's zone.
VISIT_TIMEZONE = ZoneInfo("Europe/Paris")

ProgrammeSection = Callable[[Booking], list[dict[str, Any]]]
programme_sections = ExtensionPoint[ProgrammeSection]("bookings.programme_sections")
SECTIONS_NAMESPACE = "programme-sections"

MAP_WIDTH, MAP_HEIGHT, MAP_MARGIN = 480, 270, 28


def programme_version(booking: Booking) -> str:
    """A hash of everything whose change changes the document (and nothing personal)."""
    departure = booking.departure
    parts = (
        LAYOUT_VERSION,
        booking.pk,
        booking.sequence,
        booking.updated_at.isoformat(),
        departure.sequence,
        departure.updated_at.isoformat(),
        departure.itinerary.updated_at.isoformat(),
        booking.correspondence_language,
        json.dumps(_sections(booking), sort_keys=True, default=str),
    )
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _sections(booking: Booking) -> list[dict[str, Any]]:
    """What the higher apps add (the guides), in the booking's language."""
    with translation.override(booking.correspondence_language):
        return [entry for section in programme_sections for entry in section(booking)]


def programme_pdf(booking: Booking, *, version: str | None = None) -> bytes:
    """The PDF for this booking version: from the cache, or rendered once and cached."""
    key = f"bookings:programme:{version or programme_version(booking)}"
    pdf: bytes | None = cache.get(key)
    if pdf is None:
        pdf = render_pdf(programme_html(booking))
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf


# --- The programme a token was last served, found without a query ----------------------------
#
# A group fetches its programme again and again (the booking page, the e-mail link, a phone). The
# PDF is cached by version above; the "head" below remembers, under the hash of the reference
# and the token, the document that token was last served (its version, name and bytes), with
# the cache versions of what it shows: the catalogue namespace (itineraries, stops, sites,
# departures), the booking's own namespace, bumped by every save of the booking
# (bookings.receivers), and the sections' namespace (the guides app bumps it when a guide or an
# assignment changes). While all are unchanged, a fetch costs one cache round trip and no
# query. The head is only ever stored after the token was checked against the database, so a
# wrong token finds no head and takes the database path (and its 404).


def booking_namespace(reference: str) -> str:
    # Hashed: the reference comes from the URL, and any string may be sent there.
    return "booking:" + hash_token(reference)[:32]


def _head_key(reference: str, token: str) -> str:
    return "bookings:programme-head:" + hash_token(f"{reference}:{token}")


def _version_keys(reference: str) -> list[str]:
    return [
        VERSION_KEY.format(CATALOGUE),
        VERSION_KEY.format(booking_namespace(reference)),
        VERSION_KEY.format(SECTIONS_NAMESPACE),
    ]


@dataclass(frozen=True)
class ProgrammeHead:
    version: str
    filename: str
    pdf: bytes


def programme_head(reference: str, token: str) -> ProgrammeHead | None:
    """The version this token was last served, if nothing the programme shows changed since."""
    head_key = _head_key(reference, token)
    keys = _version_keys(reference)
    found = cache.get_many([head_key, *keys])
    stored = found.get(head_key)
    if stored is None or stored["versions"] != [found.get(key) for key in keys]:
        return None
    return ProgrammeHead(stored["version"], stored["filename"], stored["pdf"])


def programme_versions_read(reference: str) -> list[Any] | None:
    """The cache versions a head will be stored under: read before the booking is, so that a
    write in between leaves the head stale, never the document. None while they do not exist
    yet (they are not created for references that may not exist)."""
    keys = _version_keys(reference)
    found = cache.get_many(keys)
    versions = [found.get(key) for key in keys]
    return None if None in versions else versions


def programme_head_store(
    booking: Booking, token: str, versions: list[Any] | None, head: ProgrammeHead
) -> None:
    """Remember the head for this token; called once the token was checked."""
    if versions is None:  # first fetch: create the versions; the next fetch stores the head
        namespace_version(CATALOGUE)
        namespace_version(booking_namespace(booking.reference))
        namespace_version(SECTIONS_NAMESPACE)
        return
    stored = {"versions": versions, **vars(head)}
    cache.set(_head_key(booking.reference, token), stored, CACHE_SECONDS)


def programme_filename(booking: Booking) -> str:
    return f"{booking.reference}-programme.pdf"


def programme_html(booking: Booking) -> str:
    with translation.override(booking.correspondence_language):
        return render_to_string("bookings/programme.html", _context(booking))


@dataclass(frozen=True)
class _Row:
    number: int
    starts: str
    ends: str
    stop: Stop
    site: Site


def _context(booking: Booking) -> dict[str, Any]:
    departure = booking.departure
    itinerary = departure.itinerary
    stops = list(itinerary.stops.select_related("site").order_by("position"))
    starts_at = timezone.localtime(departure.starts_at, VISIT_TIMEZONE)
    rows = [_row(number, departure.starts_at, stop) for number, stop in enumerate(stops, start=1)]
    sites = list({stop.site_id: stop.site for stop in stops}.values())
    guides = _sections(booking)
    return {
        "booking": booking,
        "itinerary": itinerary,
        "date": date_format(starts_at, "l j F Y"),
        "time": date_format(starts_at, "H:i"),
        "ends": date_format(timezone.localtime(departure.ends_at, VISIT_TIMEZONE), "H:i"),
        "rows": rows,
        "sites": sites,
        "minimum_age": max((site.minimum_age for site in sites), default=0),
        "guides": guides,
        "office_name": settings.OFFICE_NAME,
        "office_phone": settings.OFFICE_PHONE,
        "office_email": settings.OFFICE_EMAIL,
        # The participants' read-only link (bookings.links): the programme is handed to every
        # participant, so its QR code must never open the organiser's page.
        "page_url": links.participants_url(booking),
        "route_map": route_map_svg([stop.site for stop in stops], itinerary.meeting_site),
        "qr_code": qr_code_svg(links.participants_url(booking)),
    }


def _row(number: int, starts_at: datetime, stop: Stop) -> _Row:
    # Offsets are elapsed minutes: add them to the instant, then read the local clock (a visit
    # may cross a daylight-saving change).
    begin = starts_at + timedelta(minutes=stop.offset_minutes)
    end = begin + timedelta(minutes=stop.duration_minutes)
    begin, end = timezone.localtime(begin, VISIT_TIMEZONE), timezone.localtime(end, VISIT_TIMEZONE)
    return _Row(number, f"{begin:%H:%M}", f"{end:%H:%M}", stop, stop.site)


def route_map_svg(stops: Sequence[Site], meeting_site: Site | None = None) -> SafeString:
    """The route as inline SVG: one numbered marker per stop, a line in stop order, no tiles.

    Equirectangular projection (longitudes shrunk by the cosine of the mean latitude), scaled to
    the bounding box of the points with margins; exact enough for a few kilometres.
    """
    places = [*stops, *([meeting_site] if meeting_site is not None else [])]
    if not places:
        return mark_safe("")
    project = _projection([(float(s.latitude), float(s.longitude)) for s in places])
    points = [project(float(site.latitude), float(site.longitude)) for site in stops]
    parts = [
        f'<svg class="route-map" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {MAP_WIDTH} {MAP_HEIGHT}" role="img" aria-label="{escape(_("Route map"))}">',
        f'<rect x="0" y="0" width="{MAP_WIDTH}" height="{MAP_HEIGHT}" fill="#f4f6f2" '
        'stroke="#b8c2b0"/>',
        '<g transform="translate(450 40)"><path d="M0 -22 L7 0 L-7 0 Z" fill="#44503c"/>'
        '<text x="0" y="14" text-anchor="middle" font-size="12" fill="#44503c">N</text></g>',
    ]
    if len(points) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline class="route" points="{line}" fill="none" stroke="#2f6f4f" '
            'stroke-width="3" stroke-linejoin="round" stroke-dasharray="8 5"/>'
        )
    if meeting_site is not None:
        x, y = project(float(meeting_site.latitude), float(meeting_site.longitude))
        parts.append(
            f'<rect class="meeting-point" x="{x - 9:.1f}" y="{y - 9:.1f}" width="18" height="18" '
            'fill="none" stroke="#b03a2e" stroke-width="3"/>'
        )
    for number, (x, y) in enumerate(points, start=1):
        parts.append(
            f'<g class="marker"><circle cx="{x:.1f}" cy="{y:.1f}" r="11" fill="#2f6f4f" '
            f'stroke="#ffffff" stroke-width="2"/><text x="{x:.1f}" y="{y + 4:.1f}" '
            f'text-anchor="middle" font-size="11" font-weight="bold" fill="#ffffff">{number}'
            "</text></g>"
        )
    parts.append("</svg>")
    # Only numbers and a translated, escaped label go into the markup.
    return mark_safe("".join(parts))  # noqa: S308


def _projection(
    coordinates: list[tuple[float, float]],
) -> Callable[[float, float], tuple[float, float]]:
    lats = [lat for lat, _lon in coordinates]
    shrink = math.cos(math.radians(sum(lats) / len(lats)))
    xs = [lon * shrink for _lat, lon in coordinates]
    west, east, south, north = min(xs), max(xs), min(lats), max(lats)
    # A single place (or all in one spot) sits in the middle; otherwise fill the box, same scale
    # on both axes so that distances keep their proportions.
    span_x, span_y = east - west, north - south
    room_x, room_y = MAP_WIDTH - 2 * MAP_MARGIN, MAP_HEIGHT - 2 * MAP_MARGIN
    scale = min(room_x / span_x if span_x else math.inf, room_y / span_y if span_y else math.inf)
    if scale == math.inf:
        scale = 0.0
    offset_x = (MAP_WIDTH - span_x * scale) / 2
    offset_y = (MAP_HEIGHT - span_y * scale) / 2

    def project(lat: float, lon: float) -> tuple[float, float]:
        return offset_x + (lon * shrink - west) * scale, offset_y + (north - lat) * scale

    return project


def qr_code_svg(url: str) -> SafeString:
    """A QR code of ``url`` as inline SVG (a single path; qrcode's SVG factory)."""
    image = qrcode.make(url, image_factory=SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg class="qr-code" ', 1))  # noqa: S308
