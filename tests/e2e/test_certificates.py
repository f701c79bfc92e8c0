"""Certificates of attendance on the group's page, in a real browser (issue 18, item 6): before
the visit the section says when they come; after it, one link per participant the guide checked
in (never the others) and one for them all, each opening a PDF. French and English, at phone
(390 px) and desktop (1280 px) widths."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.test import APIClient

from bookings.models import Participant
from itineraries.models import Departure
from tests.bookings.helpers import book, bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import unexpected
from tests.guides.helpers import assign, make_guide
from visits.certificates import verification_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "fr": {
        "title": "Attestations de présence",
        "all": "Toutes les attestations",
        "later": "après la visite",
    },
    "en": {
        "title": "Certificates of attendance",
        "all": "All the certificates",
        "later": "after the visit",
    },
}


def _visit_that_took_place() -> dict[str, Any]:
    """A group of three whose visit ended an hour and a half ago: Léa and Mme Roux checked in,
    Hugo not."""
    api = APIClient()
    departure = bookable_departure(capacity=30, days=20)
    created = book(api, departure, participants=3).json()
    reference, token = created["reference"], created["token"]
    names = ["Léa Dupont", "Hugo Bernard", "Mme Roux"]
    put = api.put(
        f"/api/v1/bookings/{reference}/participants/",
        {"participants": [{"name": n, "category": "pupil"} for n in names]},
        format="json",
        HTTP_X_BOOKING_TOKEN=token,
    )
    assert put.status_code == 200, put.content
    guide = make_guide(display_name="Aïcha Benali")
    assign(departure, guide)
    starts = timezone.now() - timedelta(hours=3)
    length = departure.ends_at - departure.starts_at
    Departure.objects.filter(pk=departure.pk).update(starts_at=starts, ends_at=starts + length)
    people = {p.name: p.pk for p in Participant.objects.filter(booking__reference=reference)}
    guide_api = APIClient()
    guide_api.force_authenticate(guide.user)
    ticks = [
        {"client_id": str(uuid.uuid4()), "at": starts.isoformat(), "participant": people[name]}
        for name in ("Léa Dupont", "Mme Roux")
    ]
    answer = guide_api.post(
        f"/api/v1/guides/me/visits/{departure.pk}/check-ins/", {"check_ins": ticks}, format="json"
    )
    assert answer.status_code == 200, answer.content
    return {"reference": reference, "token": token}


def _fits(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_after_the_visit_the_organiser_downloads_the_certificates_of_those_who_came(
    page: Any, live_server: Any, lang: str
) -> None:
    texts = TEXTS[lang]
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    visit = _visit_that_took_place()
    page.goto(f"/bookings/{visit['reference']}?token={visit['token']}")
    section = page.locator("#certificates-section")
    expect(section.get_by_role("heading", name=texts["title"])).to_be_visible()
    links = page.locator("#certificates-list a")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_have_text("Léa Dupont")
    expect(links.nth(1)).to_have_text("Mme Roux")
    expect(section).not_to_contain_text("Hugo")
    for width in (390, 1280):
        _fits(page, width)
    shoot(page, f"certificates-{lang}")
    # Each link opens a PDF with the organiser's token; the same address without it does not.
    everyone = page.get_by_role("link", name=texts["all"])
    href = everyone.get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    one = page.request.get(links.nth(0).get_attribute("href"))
    assert one.status == 200 and one.body().startswith(b"%PDF")
    assert page.request.get(href.split("?")[0]).status == 404
    assert unexpected(page.problems) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_before_the_visit_the_section_says_when_they_come(
    page: Any, live_server: Any, lang: str
) -> None:
    texts = TEXTS[lang]
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    created = book(APIClient(), bookable_departure(capacity=30, days=20), participants=4).json()
    page.goto(f"/bookings/{created['reference']}?token={created['token']}")
    later = page.locator("#certificates-later")
    expect(later).to_contain_text(texts["later"])
    expect(page.locator("#certificates-list")).to_have_count(0)
    for width in (390, 1280):
        _fits(page, width)
    assert unexpected(page.problems) == []


CHECK = {
    "fr": {
        "title": "Vérifier une attestation de présence",
        "submit": "Vérifier",
        "empty": "Saisissez le code",
        "malformed": "que des lettres",
        "valid": "Attestation authentique",
        "hours": "h",
        "unknown": "Aucune attestation valide",
    },
    "en": {
        "title": "Check a certificate of attendance",
        "submit": "Check",
        "empty": "Type the code",
        "malformed": "only letters",
        "valid": "Genuine certificate",
        "hours": "h",
        "unknown": "No valid certificate",
    },
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_address_printed_on_a_certificate_tells_whether_it_is_genuine(
    page: Any, live_server: Any, lang: str
) -> None:
    """Whoever holds a paper follows its printed address, or types its code: a genuine one shows
    the holder's initials and the visit, never the name; a wrong code says so."""
    texts = CHECK[lang]
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    visit = _visit_that_took_place()
    listed = APIClient().get(
        f"/api/v1/bookings/{visit['reference']}/certificates/",
        HTTP_X_BOOKING_TOKEN=visit["token"],
    )
    assert listed.status_code == 200, listed.content
    lea = next(c for c in listed.json()["certificates"] if c["name"] == "Léa Dupont")
    # The PDF prints the page's address (SITE_URL), not the API's.
    assert verification_url(lea["code"]).endswith(f"/certificates/{lea['code']}")

    page.goto(f"/certificates/{lea['code']}")
    expect(page.get_by_role("heading", name=texts["title"])).to_be_visible()
    valid = page.locator("#cc-valid")
    expect(valid).to_contain_text(texts["valid"])
    expect(valid).to_contain_text("L. D.")
    expect(valid).not_to_contain_text("Léa")
    for width in (390, 1280):
        _fits(page, width)
    shoot(page, f"certificate-check-{lang}")

    # Wrong input: nothing typed, then a code with a character no code has, then an unknown one.
    page.goto("/certificates/")
    page.get_by_role("button", name=texts["submit"], exact=True).click()
    expect(page.locator("#cc-code-error")).to_contain_text(texts["empty"])
    expect(page.locator("#cc-code")).to_have_attribute("aria-invalid", "true")
    page.locator("#cc-code").fill("AC 12/34")
    page.get_by_role("button", name=texts["submit"], exact=True).click()
    expect(page.locator("#cc-code-error")).to_contain_text(texts["malformed"])
    page.locator("#cc-code").fill("ac-2222-2222-2222")
    page.get_by_role("button", name=texts["submit"], exact=True).click()
    expect(page.locator("#cc-invalid")).to_contain_text(texts["unknown"])
    expect(page.locator("#cc-code-error")).to_be_empty()
    assert page.url.endswith("/certificates/AC-2222-2222-2222")
    shoot(page, f"certificate-check-unknown-{lang}")
    # The code typed in lower case is the same certificate.
    page.locator("#cc-code").fill(lea["code"].lower())
    page.get_by_role("button", name=texts["submit"], exact=True).click()
    expect(page.locator("#cc-valid")).to_contain_text(texts["valid"])
    assert unexpected(page.problems) == []
