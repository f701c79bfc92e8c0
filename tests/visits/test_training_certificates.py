"""A training booking's certificates (issue 16, item 5): each trainee checked in gets a
certificate of completion (certificat de réalisation: the training action, its nature, the
hours completed, the date); the trainees' names and certificates outlive the booking's normal
anonymisation, which still erases their needs and e-mails, until
``RETENTION_TRAINING_RECORDS_DAYS`` after the visit."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from bookings.models import Booking, BookingEvent, Participant
from bookings.retention import bookings_apply_retention
from tests.visits.test_certificates import _list, visit  # noqa: F401  (fixture)
from visits import certificates
from visits.models import Certificate

pytestmark = pytest.mark.django_db


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def _training(visit: dict[str, Any]) -> Booking:  # noqa: F811
    Booking.objects.filter(reference=visit["named"]["reference"]).update(training=True)
    return Booking.objects.get(reference=visit["named"]["reference"])


def _pdf(api: Any, named: dict[str, Any]) -> Any:
    return api.get(
        f"/api/v1/bookings/{named['reference']}/certificates.pdf",
        HTTP_X_BOOKING_TOKEN=named["token"],
    )


def test_a_training_booking_gets_certificates_of_completion(
    api: Any,
    visit: dict[str, Any],  # noqa: F811
) -> None:
    _training(visit)
    pages = _pages(_pdf(api, visit["named"]).content)
    assert len(pages) == 2
    first = pages[0]
    assert "Certificat de réalisation" in first
    assert "Attestation de présence" not in first
    assert "organisme de formation, certifie que" in first
    assert "Léa Dupont-Martin" in first
    assert "a suivi l'action de formation" in first
    assert "action de formation (Code du travail, art. L6313-1)" in first
    assert "Durée réalisée : 1,5 heures." in first
    assert "Énergie et sobriété" in first  # the itinerary's themes as objectives


def test_a_training_bookings_certificates_survive_anonymisation_until_their_own_retention(
    api: Any,
    visit: dict[str, Any],  # noqa: F811
    settings: Any,
) -> None:
    booking = _training(visit)
    Participant.objects.filter(booking=booking).update(
        email="lea@example.org", needs_diet=True, needs_details="Sans gluten"
    )
    codes = [c["code"] for c in _list(api, visit["named"]).json()["certificates"]]
    assert len(codes) == 2
    visit_day = visit["departure"].starts_at

    after_contact = visit_day + timedelta(days=settings.RETENTION_BOOKING_CONTACT_DAYS + 1)
    run = bookings_apply_retention(now=after_contact)
    assert run.anonymised >= 1
    booking.refresh_from_db()
    assert booking.anonymised_at is not None and booking.contact_email == ""
    people = list(Participant.objects.filter(booking=booking).order_by("name"))
    assert [p.name for p in people] == ["Hugo Bernard", "Léa Dupont-Martin", "Mme Roux"]
    assert all(p.email == "" and p.needs_details == "" and not p.needs_diet for p in people)
    assert sorted(Certificate.objects.filter(booking=booking).values_list("code", flat=True)) == (
        sorted(codes)
    )
    # Still served and still verifiable, and nothing new is issued.
    assert [c.code for c in certificates.certificates_issue(booking=booking, by="staff")] == codes
    assert certificates.certificate_verify(codes[0]) is not None
    assert "Léa Dupont-Martin" in _pages(_pdf(api, visit["named"]).content)[0]

    after_training = visit_day + timedelta(days=settings.RETENTION_TRAINING_RECORDS_DAYS + 1)
    run = bookings_apply_retention(now=after_training)
    assert run.training_records_erased == 1
    assert not Participant.objects.filter(booking=booking).exists()
    assert not Certificate.objects.filter(booking=booking).exists()
    assert BookingEvent.objects.filter(booking=booking, action="training_records_erased").exists()
    assert certificates.certificate_verify(codes[0]) is None


def test_a_booking_that_is_not_training_loses_its_participants_with_the_contact(
    api: Any,
    visit: dict[str, Any],  # noqa: F811
    settings: Any,
) -> None:
    booking = Booking.objects.get(reference=visit["named"]["reference"])
    _list(api, visit["named"])
    visit_day = visit["departure"].starts_at
    bookings_apply_retention(
        now=visit_day + timedelta(days=settings.RETENTION_BOOKING_CONTACT_DAYS + 1)
    )
    assert not Participant.objects.filter(booking=booking).exists()
    assert not Certificate.objects.filter(booking=booking).exists()


def test_a_training_booking_has_a_sign_in_sheet_with_a_column_per_half_day(
    api: Any,
    visit: dict[str, Any],  # noqa: F811
) -> None:
    from itineraries.models import Stop
    from visits.signin_sheet import half_days

    named = visit["named"]
    booking = Booking.objects.get(reference=named["reference"])
    url = f"/api/v1/bookings/{named['reference']}/sign-in-sheet.pdf"
    refused = api.get(url, HTTP_X_BOOKING_TOKEN=named["token"])
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_training"
    assert _list(api, named).json()["sign_in_sheet_url"] is None

    booking = _training(visit)
    assert _list(api, named).json()["sign_in_sheet_url"] == url
    # A day visit: the 90-minute stop in the morning, another after lunch.
    itinerary = booking.departure.itinerary
    first = Stop.objects.filter(itinerary=itinerary).get()
    Stop.objects.create(
        itinerary=itinerary,
        site=first.site,
        position=first.position + 1,
        title="Terril 74",
        offset_minutes=240,
        duration_minutes=120,
    )
    booking.departure.starts_at = booking.departure.starts_at.replace(hour=8, minute=0)
    booking.departure.save(update_fields=["starts_at"])
    booking.refresh_from_db()
    halves = half_days(booking)
    assert [h.afternoon for h in halves] == [False, True]
    response = api.get(url, HTTP_X_BOOKING_TOKEN=named["token"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    (page,) = _pages(response.content)
    assert "Feuille d'émargement" in page
    assert "Matin" in page and "Après-midi" in page
    for name in ("Léa Dupont-Martin", "Hugo Bernard", "Mme Roux"):
        assert name in page
    assert "Aïcha Benali" in page  # the guide assigned, as trainer
    assert "Signature du formateur" in page
    assert api.get(url).status_code == 404  # no token, not staff
