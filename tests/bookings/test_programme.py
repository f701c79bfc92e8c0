"""The programme PDF over HTTP: read back in the booked language, cached per booking version."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
import qrcode
from django.core import mail
from pypdf import PdfReader
from qrcode.image.svg import SvgPathImage

from bookings import links, programme
from bookings.models import Booking
from itineraries.models import Departure
from itineraries.services import itinerary_update
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

DASH = "\u2013"  # between the start and end times of a stop


def _departure(*, english: bool = False) -> Departure:
    base = SiteFactory(
        name_fr="Base 11/19",
        name_en="Base 11/19 pit",
        address="Rue de Bourgogne, 62750 Loos-en-Gohelle",
        latitude=Decimal("50.44320"),
        longitude=Decimal("2.78850"),
    )
    heap = SiteFactory(
        name_fr="Terril 74A",
        name_en="Slag heap 74A",
        address="Chemin des terrils, 62750 Loos-en-Gohelle",
        latitude=Decimal("50.44240"),
        longitude=Decimal("2.78660"),
        minimum_age=6,
        safety_notes_fr="Pente raide et glissante : chaussures de marche indispensables.",
        safety_notes_en="Steep and slippery cone: good walking shoes are essential.",
    )
    solar = SiteFactory(
        name_fr="Plateforme LumiWatt",
        name_en="LumiWatt platform",
        latitude=Decimal("50.44360"),
        longitude=Decimal("2.78750"),
        wheelchair_accessible=True,
    )
    departure = bookable_departure(
        meeting_site=base,
        meeting_point_fr="Parvis du 11/19",
        meeting_point_en="Forecourt of the 11/19",
        practical_notes_fr="Prévoir un vêtement de pluie.",
        practical_notes_en="Bring a raincoat.",
        stops=[
            {
                "site": base,
                "offset_minutes": 0,
                "duration_minutes": 60,
                "title_fr": "Les chevalements",
                "title_en": "The headframes",
                "text_fr": "Chevalement métallique du puits 11.",
                "text_en": "Steel headframe of pit 11.",
            },
            {
                "site": heap,
                "offset_minutes": 75,
                "duration_minutes": 60,
                "title_fr": "Montée du terril",
                "title_en": "Climbing the heap",
            },
            {
                "site": solar,
                "offset_minutes": 150,
                "duration_minutes": 45,
                "title_fr": "Le soleil sous la mine",
                "title_en": "Sun over the mine",
            },
        ],
    )
    if english:
        departure.language = "en"
        departure.save(update_fields=["language"])
    return departure


@pytest.fixture
def booked(api: Any) -> dict[str, Any]:
    body = book(api, _departure(), participants=10).json()
    mail.outbox.clear()
    return body


def _url(booked: dict[str, Any]) -> str:
    return f"/api/v1/bookings/{booked['reference']}/programme.pdf"


def _auth(booked: dict[str, Any]) -> dict[str, str]:
    return {"HTTP_X_BOOKING_TOKEN": booked["token"]}


def _text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the renderer's calls (the real one still runs)."""
    calls: list[str] = []
    real = programme.render_pdf

    def counting(html: str, **kwargs: Any) -> bytes:
        calls.append(html)
        return real(html, **kwargs)

    monkeypatch.setattr(programme, "render_pdf", counting)
    return calls


def test_french_booking_gets_a_french_programme_with_stops_times_and_meeting_point(
    api: Any, booked: Any
) -> None:
    response = api.get(_url(booked), **_auth(booked))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="{booked["reference"]}-programme.pdf"'
    )
    assert response["Cache-Control"] == "private"
    assert response["X-Robots-Tag"] == "noindex"
    assert response["Referrer-Policy"] == "no-referrer"
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    text = _text(response.content)
    for wanted in (
        "Programme de la visite",
        booked["departure"]["title"],
        "Mairie d'Arras",
        "Point de rendez-vous",
        "Parvis du 11/19",
        booked["reference"],
        "Les chevalements",
        "Montée du terril",
        "Le soleil sous la mine",
        "Terril 74A",
        "Rue de Bourgogne",
        "Chevalement métallique du puits 11.",
        f"10:00 {DASH} 11:00",
        f"11:15 {DASH} 12:15",
        f"12:30 {DASH} 13:15",
        "chaussures de marche indispensables",
        "Âge minimum : 6 ans.",
        "Prévoir un vêtement de pluie.",
        "accessible en fauteuil roulant",
        "Votre guide vous attendra au point de rendez-vous.",
        "+33 1 99 00 00 00",
    ):
        assert wanted in text, wanted
    assert "Meeting point" not in text


def test_english_booking_gets_an_english_programme(api: Any) -> None:
    body = book(api, _departure(english=True), participants=10, language="en").json()
    response = api.get(_url(body), **_auth(body))
    assert response.status_code == 200
    text = _text(response.content)
    for wanted in (
        "Visit programme",
        "Meeting point",
        "Forecourt of the 11/19",
        "The headframes",
        "Climbing the heap",
        "Sun over the mine",
        "Slag heap 74A",
        "Steel headframe of pit 11.",
        f"10:00 {DASH} 11:00",
        f"12:30 {DASH} 13:15",
        "good walking shoes are essential",
        "Minimum age: 6 years.",
        "Bring a raincoat.",
        "Your guide will meet you at the meeting point.",
    ):
        assert wanted in text, wanted
    assert "Point de rendez-vous" not in text


def test_the_html_has_an_svg_route_map_with_one_marker_per_stop_and_a_qr_code(
    booked: Any,
) -> None:
    booking = Booking.objects.get(reference=booked["reference"])
    html = programme.programme_html(booking)
    route = re.search(r'<svg class="route-map".*?</svg>', html, re.S)
    assert route is not None
    assert route.group().count('class="marker"') == 3
    points = re.search(r'<polyline class="route" points="([^"]+)"', route.group())
    assert points is not None and len(points.group(1).split()) == 3
    assert "http" not in route.group().replace("http://www.w3.org/2000/svg", "")
    # The QR code opens the participants' read-only page (the PDF is handed to everyone), never
    # the organiser's link.
    page = links.participants_url(booking)
    assert page.startswith(f"http://127.0.0.1:8000/bookings/{booked['reference']}/visit?token=")
    expected = qrcode.make(page, image_factory=SvgPathImage, border=2).to_string(encoding="unicode")
    path = re.search(r'<path d="[^"]+"', expected)
    assert path is not None and path.group() in html
    assert '<svg class="qr-code"' in html
    assert booked["token"] not in html


def test_route_map_keeps_north_up_and_the_points_inside_the_frame() -> None:
    north: Any = SiteFactory(latitude=Decimal("50.46080"), longitude=Decimal("2.98700"))
    south: Any = SiteFactory(latitude=Decimal("50.33170"), longitude=Decimal("3.17260"))
    svg = programme.route_map_svg([north, south])
    (x1, y1), (x2, y2) = (
        (float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)
    )
    assert y1 < y2 and x1 < x2
    for x, y in ((x1, y1), (x2, y2)):
        assert programme.MAP_MARGIN - 0.1 <= x <= programme.MAP_WIDTH - programme.MAP_MARGIN + 0.1
        assert programme.MAP_MARGIN - 0.1 <= y <= programme.MAP_HEIGHT - programme.MAP_MARGIN + 0.1
    single = programme.route_map_svg([north])
    assert single.count('class="marker"') == 1 and "<polyline" not in single


def test_guides_section_is_filled_by_registered_hooks(
    booked: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = Booking.objects.get(reference=booked["reference"])
    monkeypatch.setattr(
        programme,
        "programme_sections",
        [lambda b: [{"name": "Jeanne Guide", "phone": "+33 6 00 00 00 01"}]],
    )
    html = programme.programme_html(booking)
    assert "Jeanne Guide" in html and "+33 6 00 00 00 01" in html
    assert "Votre guide vous attendra" not in html


def test_second_request_with_the_etag_is_not_modified(api: Any, booked: Any) -> None:
    first = api.get(_url(booked), **_auth(booked))
    again = api.get(_url(booked), HTTP_IF_NONE_MATCH=first["ETag"], **_auth(booked))
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "private"
    stale = api.get(_url(booked), HTTP_IF_NONE_MATCH='"0123"', **_auth(booked))
    assert stale.status_code == 200


def test_second_plain_request_is_served_from_the_cache(
    api: Any, booked: Any, renders: list[str]
) -> None:
    first = api.get(_url(booked), **_auth(booked))
    second = api.get(_url(booked) + f"?token={booked['token']}")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert len(renders) == 1


def _change_participants(api: Any, booked: Any, participants: int) -> None:
    changed = api.patch(
        f"/api/v1/bookings/{booked['reference']}/",
        {"participants": participants},
        format="json",
        **_auth(booked),
    )
    assert changed.status_code == 200, changed.content


def test_a_change_of_participants_changes_the_etag_and_renders_again(
    api: Any, booked: Any, renders: list[str]
) -> None:
    before = api.get(_url(booked), **_auth(booked))
    _change_participants(api, booked, 12)
    after = api.get(_url(booked), HTTP_IF_NONE_MATCH=before["ETag"], **_auth(booked))
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert len(renders) == 2
    assert "12" in _text(after.content)


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_wrong_or_missing_token_is_404(api: Any, booked: Any, token: str | None) -> None:
    headers = {} if token is None else {"HTTP_X_BOOKING_TOKEN": token}
    assert_problem(api.get(_url(booked), **headers), 404, "not_found")


def test_the_etag_does_not_bypass_the_token(api: Any, booked: Any) -> None:
    etag = api.get(_url(booked), **_auth(booked))["ETag"]
    assert_problem(api.get(_url(booked), HTTP_IF_NONE_MATCH=etag), 404, "not_found")


def test_staff_can_fetch_the_programme(staff_api: Any, booked: Any) -> None:
    response = staff_api.get(_url(booked))
    assert response.status_code == 200
    assert "Parvis du 11/19" in _text(response.content)


def test_confirmation_mail_carries_the_programme_rendered_once(
    api: Any, staff_api: Any, booked: Any, renders: list[str]
) -> None:
    assert staff_api.post(f"/api/v1/bookings/{booked['reference']}/confirm/").status_code == 200
    message = mail.outbox[0]
    attachments = {name: (content, mimetype) for name, content, mimetype in message.attachments}
    content, mimetype = attachments[f"{booked['reference']}-programme.pdf"]
    assert mimetype == "application/pdf"
    assert "Les chevalements" in _text(content)
    assert f"{booked['reference']}.ics" in attachments
    # The download of the confirmed booking is the very PDF the mail carried.
    download = api.get(_url(booked), **_auth(booked))
    assert download.content == content
    assert len(renders) == 1


def test_a_warm_programme_costs_no_query_and_every_change_still_shows(
    api: Any, booked: Any, django_assert_num_queries: Any
) -> None:
    first = api.get(_url(booked), **_auth(booked))
    api.get(_url(booked), **_auth(booked))  # the token is known to be good: its head is kept
    with django_assert_num_queries(0):
        warm = api.get(_url(booked), **_auth(booked))
        unchanged = api.get(_url(booked), HTTP_IF_NONE_MATCH=first["ETag"], **_auth(booked))
    assert (warm.status_code, unchanged.status_code) == (200, 304)
    assert warm.content == first.content and warm["ETag"] == first["ETag"]
    assert warm["Content-Disposition"] == first["Content-Disposition"]

    _change_participants(api, booked, 12)
    grown = api.get(_url(booked), HTTP_IF_NONE_MATCH=first["ETag"], **_auth(booked))
    assert grown.status_code == 200 and grown["ETag"] != first["ETag"]
    assert "12" in _text(grown.content)

    api.get(_url(booked), **_auth(booked))  # warm again
    itinerary = Booking.objects.get(reference=booked["reference"]).departure.itinerary
    itinerary_update(itinerary=itinerary, fields={"meeting_point_fr": "Pied du chevalement"})
    moved = api.get(_url(booked), HTTP_IF_NONE_MATCH=grown["ETag"], **_auth(booked))
    assert moved.status_code == 200
    assert "Pied du chevalement" in _text(moved.content)

    # A warm head never lets another token in.
    assert_problem(api.get(_url(booked), HTTP_X_BOOKING_TOKEN="wrong"), 404, "not_found")


@pytest.mark.parametrize("reference", ["%0F%DB%5C%BA", "x" * 300, "VA-ABC%20DEF"])
def test_any_reference_with_a_token_is_a_plain_404(api: Any, reference: str) -> None:
    url = f"/api/v1/bookings/{reference}/programme.pdf"
    assert_problem(api.get(url, HTTP_X_BOOKING_TOKEN="some-token"), 404, "not_found")


def test_each_stop_of_the_timetable_says_its_step_free_access_and_minimum_age(
    api: Any, booked: Any
) -> None:
    booking = Booking.objects.get(reference=booked["reference"])
    html = programme.programme_html(booking)
    timetable = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = [re.sub(r"\s+", " ", row) for row in timetable.split("<tr>")[1:]]
    assert len(rows) == 3
    headframes, heap, solar = rows
    assert "Pas d'accès de plain-pied</span>" in headframes
    assert "Pas d'accès de plain-pied · À partir de 6 ans</span>" in heap
    assert "Accès de plain-pied</span>" in solar and "Pas d" not in solar
    text = _text(api.get(_url(booked), **_auth(booked)).content)
    assert "Pas d'accès de plain-pied · À partir de 6 ans" in text


def test_the_english_timetable_says_it_in_english(api: Any) -> None:
    body = book(api, _departure(english=True), participants=10, language="en").json()
    text = _text(api.get(_url(body), **_auth(body)).content)
    assert "No step-free access · From 6 years old" in text
    assert "Step-free access" in text
