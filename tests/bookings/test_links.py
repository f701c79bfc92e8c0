"""The booking's links: the organiser's link in the e-mails, "find my booking", the
participants' read-only link (issue 14 item 2)."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from rest_framework.throttling import SimpleRateThrottle

from bookings import links
from bookings.models import Booking
from tests.bookings.helpers import book, bookable_departure
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db

FIND = "/api/v1/bookings/find/"
LINK = re.compile(r"https?://\S+/bookings/(VA-[A-Z0-9]{6})\?token=([-_A-Za-z0-9]+)")


@pytest.fixture
def booked(api: Any) -> dict[str, Any]:
    body = book(api, bookable_departure(capacity=30), participants=10).json()
    return body


def _link_in(message: Any) -> tuple[str, str]:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1), found.group(2)


def test_the_first_e_mail_carries_a_working_organiser_link(api: Any, booked: Any) -> None:
    (message,) = mail.outbox
    reference, token = _link_in(message)
    assert reference == booked["reference"]
    assert token != booked["token"]  # a fresh one, issued for the e-mail
    answer = api.get(f"/api/v1/bookings/{reference}/?token={token}")
    assert answer.status_code == 200
    # The creation's token still works too: an e-mail adds a link, it never rotates.
    assert api.get(f"/api/v1/bookings/{reference}/?token={booked['token']}").status_code == 200


def test_the_confirmation_e_mail_carries_both_links(api: Any, staff_api: Any, booked: Any) -> None:
    mail.outbox.clear()
    assert staff_api.post(f"/api/v1/bookings/{booked['reference']}/confirm/").status_code == 200
    (message,) = mail.outbox
    reference, token = _link_in(message)
    assert api.get(f"/api/v1/bookings/{reference}/?token={token}").status_code == 200
    booking = Booking.objects.get(reference=reference)
    assert links.participants_url(booking) in message.body
    assert booking.correspondence_language == "fr"
    assert "Gardez ce courriel" in message.body


def test_find_my_booking_sends_a_fresh_link_when_both_match(api: Any, booked: Any) -> None:
    mail.outbox.clear()
    answer = api.post(
        FIND, {"reference": booked["reference"], "email": "CLAIRE@example.org "}, format="json"
    )
    assert answer.status_code == 202
    (message,) = mail.outbox
    assert message.to == ["claire@example.org"]
    reference, token = _link_in(message)
    assert api.get(f"/api/v1/bookings/{reference}/?token={token}").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"reference": "VA-ZZZZZZ", "email": "claire@example.org"},
        {"reference": "REF", "email": "someone@example.org"},
    ],
)
def test_find_my_booking_answers_the_same_when_nothing_matches(
    api: Any, booked: Any, body: dict[str, str]
) -> None:
    if body["reference"] == "REF":
        body = {**body, "reference": booked["reference"]}
    mail.outbox.clear()
    matched = api.post(
        FIND, {"reference": booked["reference"], "email": "claire@example.org"}, format="json"
    )
    cache.clear()  # the throttle is not what this test is about
    missed = api.post(FIND, body, format="json")
    assert missed.status_code == matched.status_code == 202
    assert missed.json() == matched.json()
    assert len(mail.outbox) == 1


def test_find_my_booking_refuses_a_malformed_request(api: Any) -> None:
    assert_problem(
        api.post(FIND, {"reference": "VA-ABCDEF"}, format="json"), 400, "required", "email"
    )
    assert_problem(
        api.post(FIND, {"reference": "VA-ABCDEF", "email": "nope"}, format="json"),
        400,
        "invalid",
        "email",
    )


@pytest.fixture
def tight_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {
        **SimpleRateThrottle.THROTTLE_RATES,
        "booking_find": "3/hour",
        "booking_find_reference": "2/hour",
    }
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def test_find_my_booking_is_throttled_per_client_and_per_reference(
    api: Any, booked: Any, tight_rates: None
) -> None:
    body = {"reference": booked["reference"], "email": "x@example.org"}
    assert api.post(FIND, body, format="json").status_code == 202
    assert api.post(FIND, body, format="json").status_code == 202
    # A third try on the same reference, from another address: the reference's limit.
    assert_problem(
        api.post(FIND, body, format="json", REMOTE_ADDR="198.51.100.7"), 429, "throttled"
    )
    other = {"reference": "VA-ZZZZZZ", "email": "x@example.org"}
    # The first address's third request passes (another reference); its fourth does not.
    assert api.post(FIND, other, format="json").status_code == 202
    assert_problem(api.post(FIND, other, format="json"), 429, "throttled")


def test_participants_link_reads_the_visit_and_nothing_more(api: Any, booked: Any) -> None:
    booking = Booking.objects.get(reference=booked["reference"])
    organiser = api.get(f"/api/v1/bookings/{booking.reference}/?token={booked['token']}").json()
    shared = organiser["links"]["participants"]
    assert shared == links.participants_url(booking)
    token = parse_qs(urlsplit(shared).query)["token"][0]
    base = f"/api/v1/bookings/{booking.reference}/"
    visit = api.get(f"{base}visit/?token={token}")
    assert visit.status_code == 200
    body = visit.json()
    assert body["meeting_point"] and body["starts_at"] and body["stops"]
    assert "contact" not in body and "claire" not in json.dumps(body).lower()
    assert body["links"]["calendar"].endswith(f"/calendar.ics?token={token}")
    assert api.get(f"{base}calendar.ics?token={token}").status_code == 200
    assert api.get(f"{base}programme.pdf?token={token}").status_code == 200
    # Never the organiser's booking, never a change, a cancellation or a payment.
    assert_problem(api.get(f"{base}?token={token}"), 404, "not_found")
    assert_problem(
        api.patch(f"{base}?token={token}", {"participants": 5}, format="json"), 404, "not_found"
    )
    assert_problem(api.post(f"{base}cancel/?token={token}", {}, format="json"), 404, "not_found")
    assert_problem(api.post(f"{base}checkout/?token={token}", {}, format="json"), 404, "not_found")
    # The organiser's token reads the visit too; a wrong one does not.
    assert api.get(f"{base}visit/?token={booked['token']}").status_code == 200
    assert_problem(api.get(f"{base}visit/?token={token}x"), 404, "not_found")


def test_the_links_flow_writes_no_token_to_the_logs(
    api: Any, booked: Any, captured_logs: io.StringIO
) -> None:
    mail.outbox.clear()
    api.post(FIND, {"reference": booked["reference"], "email": "claire@example.org"}, format="json")
    _reference, token = _link_in(mail.outbox[0])
    booking = Booking.objects.get(reference=booked["reference"])
    shared = links.participants_token(booking)
    base = f"/api/v1/bookings/{booking.reference}/"
    api.get(f"{base}?token={token}")
    api.get(f"{base}visit/?token={shared}")
    api.get(f"{base}visit/?token={shared}x")
    api.get(f"{base}?token={shared}")
    output = captured_logs.getvalue()
    assert output
    assert token not in output and shared not in output


def test_the_programme_qr_code_opens_the_participants_page_on_two_pages_at_most(
    api: Any, booked: Any
) -> None:
    from pypdf import PdfReader

    from bookings import programme

    booking = Booking.objects.get(reference=booked["reference"])
    pdf = api.get(f"/api/v1/bookings/{booking.reference}/programme.pdf?token={booked['token']}")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page.extract_text() for page in reader.pages)
    compact = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", links.participants_url(booking)) in compact
    assert booked["token"] not in compact
    # The office's contact, from the settings (OFFICE_NAME, OFFICE_PHONE, OFFICE_EMAIL).
    with override_settings(
        OFFICE_NAME="Office de tourisme de Lens-Liévin",
        OFFICE_PHONE="+33 3 21 67 66 66",
        OFFICE_EMAIL="groupes@tourisme-lenslievin.example",
    ):
        html = programme.programme_html(booking)
    for value in ("Office de tourisme de Lens-Liévin", "+33 3 21 67 66 66", "groupes@tourisme"):
        assert value in html
    assert links.participants_token(booking) in html


def test_every_demo_half_day_programme_fits_on_two_pages(api: Any) -> None:
    """Issue 14 item 10, measured on the demo itineraries (itineraries/demo.py) as shipped."""
    from django.core.management import call_command
    from django.utils import timezone
    from pypdf import PdfReader

    from bookings import programme
    from bookings.models import BookingStatus, PaymentMethod
    from core.tokens import new_token
    from itineraries.models import Departure

    call_command("load_demo", stdout=io.StringIO())
    measured: dict[str, int] = {}
    departures = Departure.objects.filter(starts_at__gt=timezone.now()).order_by("starts_at")
    for departure in departures.select_related("itinerary"):
        itinerary = departure.itinerary
        if itinerary.slug in measured or itinerary.duration_minutes > 4 * 60:
            continue
        booking = Booking.objects.create(
            reference=f"VA-T{len(measured):05d}",
            token_hash=new_token()[1],
            departure=departure,
            participants=12,
            language=departure.language,
            organisation_name="Collège Jean Jaurès de Loos-en-Gohelle",
            organisation_type="school",
            contact_name="Claire Martin",
            contact_email="claire@example.org",
            payment_method=PaymentMethod.INVOICE,
            status=BookingStatus.CONFIRMED,
            price={},
            total_cents=0,
        )
        reader = PdfReader(io.BytesIO(programme.programme_pdf(booking)))
        measured[itinerary.slug] = len(reader.pages)
        if os.environ.get("PROGRAMME_PDF_DIR"):  # to look at it: pdftoppm -png
            Path(os.environ["PROGRAMME_PDF_DIR"], f"{itinerary.slug}.pdf").write_bytes(
                programme.programme_pdf(booking)
            )
    assert measured, "the demo has half-day itineraries"
    assert all(1 <= pages <= 2 for pages in measured.values()), measured
