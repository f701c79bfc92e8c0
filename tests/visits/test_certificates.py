"""Certificates of attendance (issue 18, item 6): after a visit that took place, one per
participant the guide checked in, never for the others; one PDF with a page each or each
alone, from the booking's secret link, in the group's language, read back with pypdf; a
public check by code; staff issue them from the admin."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from bookings import links
from bookings.models import Booking, Participant
from invoicing.services import DEMO_SELLER
from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem
from tests.factories import StaffFactory, ThemeFactory
from tests.guides.helpers import assign, make_guide
from visits import certificates
from visits.models import Certificate, CertificateSource

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _tick(guide: Any, departure: Departure, at: datetime, **fields: Any) -> None:
    client = APIClient()
    client.force_authenticate(guide.user)
    tick = {"client_id": str(uuid.uuid4()), "at": at.isoformat(), **fields}
    answer = client.post(
        f"/api/v1/guides/me/visits/{departure.pk}/check-ins/",
        {"check_ins": [tick]},
        format="json",
    )
    assert answer.status_code == 200, answer.content


@pytest.fixture
def visit(api: Any) -> dict[str, Any]:
    """A visit that started three hours ago and ended 90 minutes later, with a theme: a named
    group of three (Léa and Mme Roux checked in, Hugo ticked then unticked) and a group of
    twelve counted without names."""
    departure = bookable_departure(days=10)
    departure.itinerary.themes.add(
        ThemeFactory(name_fr="Énergie et sobriété", name_en="Energy and sufficiency")
    )
    named = book(api, departure, participants=3).json()
    counted = book(api, departure, participants=12).json()
    put = api.put(
        f"/api/v1/bookings/{named['reference']}/participants/",
        {
            "participants": [
                {"name": "Léa Dupont-Martin", "category": "pupil"},
                {"name": "Hugo Bernard", "category": "pupil"},
                {"name": "Mme Roux", "category": "accompanying_staff"},
            ]
        },
        format="json",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )
    assert put.status_code == 200, put.content
    guide = make_guide(display_name="Aïcha Benali")
    assign(departure, guide)
    starts = timezone.now() - timedelta(hours=3)
    length = departure.ends_at - departure.starts_at
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)
    departure.refresh_from_db()
    people = {
        p.name: p.pk for p in Participant.objects.filter(booking__reference=named["reference"])
    }
    _tick(guide, departure, starts, participant=people["Léa Dupont-Martin"])
    _tick(guide, departure, starts, participant=people["Hugo Bernard"])
    _tick(guide, departure, starts + timedelta(minutes=1), participant=people["Mme Roux"])
    _tick(
        guide,
        departure,
        starts + timedelta(minutes=5),
        participant=people["Hugo Bernard"],
        present=False,
    )
    _tick(guide, departure, starts, booking=counted["reference"], count=11)
    return {
        "departure": departure,
        "guide": guide,
        "named": named,
        "counted": counted,
        "people": people,
        "starts": starts,
    }


def _list(api: Any, booking: dict[str, Any]) -> Any:
    return api.get(
        f"/api/v1/bookings/{booking['reference']}/certificates/",
        HTTP_X_BOOKING_TOKEN=booking["token"],
    )


def test_after_the_visit_the_organiser_gets_one_certificate_per_person_checked_in(
    api: Any, visit: dict[str, Any]
) -> None:
    answer = _list(api, visit["named"])
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["available"] is True
    names = [c["name"] for c in body["certificates"]]
    assert names == ["Léa Dupont-Martin", "Mme Roux"]  # never Hugo, unticked
    reference = visit["named"]["reference"]
    assert body["pdf_url"] == f"/api/v1/bookings/{reference}/certificates.pdf"
    codes = [c["code"] for c in body["certificates"]]
    assert all(code.startswith("AC-") and len(code) == 17 for code in codes)
    # Read again: the same codes, nothing issued twice.
    assert [c["code"] for c in _list(api, visit["named"]).json()["certificates"]] == codes
    assert Certificate.objects.count() == 2
    assert set(Certificate.objects.values_list("issued_by", flat=True)) == {
        CertificateSource.ORGANISER
    }


def test_the_whole_pdf_has_a_page_per_person_in_french_with_the_seller_and_the_visit(
    api: Any, visit: dict[str, Any]
) -> None:
    named = visit["named"]
    codes = [c["code"] for c in _list(api, named).json()["certificates"]]
    pdf = api.get(
        f"/api/v1/bookings/{named['reference']}/certificates.pdf",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    pages = _text(pdf.content)
    assert len(pages) == 2
    first, second = pages
    assert "Attestation de présence" in first
    assert "Léa Dupont-Martin" in first and "Mme Roux" not in first
    assert "Mme Roux" in second and "Hugo" not in "".join(pages)
    assert DEMO_SELLER["legal_name"] in first and DEMO_SELLER["siret"] in first
    itinerary = visit["departure"].itinerary
    assert itinerary.title in first
    assert "1,5 heures" in first  # a 90-minute visit
    assert "Énergie et sobriété" in first
    assert codes[0] in first and codes[1] in second
    assert "Mairie d'Arras" in first


def test_one_certificate_alone_and_in_english_for_an_english_group(
    api: Any, visit: dict[str, Any]
) -> None:
    named = visit["named"]
    Booking.objects.filter(reference=named["reference"]).update(language="en")
    [lea, _roux] = _list(api, named).json()["certificates"]
    one = api.get(lea["pdf_url"], HTTP_X_BOOKING_TOKEN=named["token"])
    assert one.status_code == 200
    [page] = _text(one.content)
    assert "Certificate of attendance" in page
    assert "1.5 hours" in page and "Energy and sufficiency" in page
    assert "Léa Dupont-Martin" in page and lea["code"] in page
    # Another group's code, or a code nobody has, is not found through this booking.
    missing = api.get(
        f"/api/v1/bookings/{named['reference']}/certificates/AC-2222-2222-2222.pdf",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )
    assert_problem(missing, 404, "certificate_not_found")


def test_nothing_before_the_visit_is_over(api: Any, visit: dict[str, Any]) -> None:
    departure = visit["departure"]
    Departure.objects.filter(pk=departure.pk).update(ends_at=timezone.now() + timedelta(minutes=30))
    named = visit["named"]
    body = _list(api, named).json()
    assert (body["available"], body["certificates"], body["pdf_url"]) == (False, [], None)
    pdf = api.get(
        f"/api/v1/bookings/{named['reference']}/certificates.pdf",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )
    assert_problem(pdf, 409, certificates.CERTIFICATES_VISIT_NOT_OVER, "booking")
    assert Certificate.objects.count() == 0


def test_a_group_counted_without_names_has_none_and_its_pdf_is_not_found(
    api: Any, visit: dict[str, Any]
) -> None:
    counted = visit["counted"]
    body = _list(api, counted).json()
    assert (body["available"], body["certificates"]) == (True, [])
    pdf = api.get(
        f"/api/v1/bookings/{counted['reference']}/certificates.pdf",
        HTTP_X_BOOKING_TOKEN=counted["token"],
    )
    assert_problem(pdf, 404, "no_certificates")


def test_only_the_organisers_link_opens_them(api: Any, visit: dict[str, Any]) -> None:
    named = visit["named"]
    url = f"/api/v1/bookings/{named['reference']}/certificates/"
    assert api.get(url, HTTP_X_BOOKING_TOKEN="wrong").status_code == 404
    booking = Booking.objects.get(reference=named["reference"])
    reader = links.participants_token(booking)
    assert api.get(url, HTTP_X_BOOKING_TOKEN=reader).status_code == 404
    assert api.get(url).status_code == 404
    assert Certificate.objects.count() == 0


def test_a_code_is_checked_publicly_with_initials_only(api: Any, visit: dict[str, Any]) -> None:
    [lea, _roux] = _list(api, visit["named"]).json()["certificates"]
    answer = APIClient().get(f"/api/v1/certificates/{lea['code'].lower()}/")
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "code": lea["code"],
        "initials": "L. D.-M.",
        "itinerary": visit["departure"].itinerary.title,
        "date": timezone.localtime(visit["starts"], certificates.VISIT_TIMEZONE).date().isoformat(),
        "hours": "1.5",
        "issued_at": lea["issued_at"],
    }
    assert_problem(
        APIClient().get("/api/v1/certificates/AC-2222-2222-2222/"), 404, "certificate_not_found"
    )
    # Léa unticked later (the guide's correction): her certificate is no longer served.
    _tick(
        visit["guide"],
        visit["departure"],
        visit["starts"] + timedelta(minutes=20),
        participant=visit["people"]["Léa Dupont-Martin"],
        present=False,
    )
    assert_problem(
        APIClient().get(f"/api/v1/certificates/{lea['code']}/"), 404, "certificate_not_found"
    )
    names = [c["name"] for c in _list(api, visit["named"]).json()["certificates"]]
    assert names == ["Mme Roux"]


def test_staff_issue_them_from_the_admin_and_download_each(visit: dict[str, Any]) -> None:
    staff = StaffFactory(is_superuser=True)
    client = Client()
    client.force_login(staff)
    page = client.get("/admin/visits/certificate/issue/")
    assert page.status_code == 200
    wrong = client.post("/admin/visits/certificate/issue/", {"reference": "VA-ZZZZZZ"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    reference = visit["named"]["reference"]
    done = client.post("/admin/visits/certificate/issue/", {"reference": reference})
    assert done.status_code == 302
    issued = list(Certificate.objects.select_related("participant"))
    assert sorted(c.participant.name for c in issued) == ["Léa Dupont-Martin", "Mme Roux"]
    assert {c.issued_by for c in issued} == {CertificateSource.STAFF}
    listing = client.get(done["Location"])
    assert listing.status_code == 200 and issued[0].code in listing.content.decode()
    pdf = client.get(f"/admin/visits/certificate/{issued[0].pk}/pdf/")
    assert pdf.status_code == 200
    [page_text] = _text(pdf.content)
    assert issued[0].participant.name in page_text
    # Before a visit is over, the admin says so and issues nothing.
    Departure.objects.filter(pk=visit["departure"].pk).update(
        ends_at=timezone.now() + timedelta(hours=1)
    )
    Certificate.objects.all().delete()
    early = client.post("/admin/visits/certificate/issue/", {"reference": reference})
    assert early.status_code == 200 and "errorlist" in early.content.decode()
    assert Certificate.objects.count() == 0


def test_erasing_the_group_erases_its_certificates(api: Any, visit: dict[str, Any]) -> None:
    from bookings import retention
    from bookings.services import Actor

    [lea, _roux] = _list(api, visit["named"]).json()["certificates"]
    booking = Booking.objects.get(reference=visit["named"]["reference"])
    retention.booking_anonymise(booking=booking, actor=Actor.system(), reason="test")
    assert Certificate.objects.filter(booking=booking).count() == 0
    assert_problem(
        APIClient().get(f"/api/v1/certificates/{lea['code']}/"), 404, "certificate_not_found"
    )
