"""The certificates in the group's personal-data download (their codes, and for a training
booking how long they are kept), and the printable manifest linked from the departures'
admin (issue 18, items 5 and 6)."""

# ruff: noqa: F811  (the fixture ``visit`` is imported from test_certificates)
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from bookings.models import Booking
from tests.factories import StaffFactory
from tests.visits.test_certificates import visit  # noqa: F401
from visits.models import Certificate

pytestmark = pytest.mark.django_db


def _download(api: Any, group: dict[str, Any]) -> dict[str, Any]:
    answer = api.get(
        f"/api/v1/bookings/{group['reference']}/personal-data/",
        HTTP_X_BOOKING_TOKEN=group["token"],
    )
    assert answer.status_code == 200, answer.content
    return dict(json.loads(answer.content))


def _issue(api: Any, group: dict[str, Any]) -> list[str]:
    answer = api.get(
        f"/api/v1/bookings/{group['reference']}/certificates/",
        HTTP_X_BOOKING_TOKEN=group["token"],
    )
    assert answer.status_code == 200, answer.content
    return sorted(row["code"] for row in answer.json()["certificates"])


def test_the_download_lists_the_certificates_codes(api: Any, visit: Any) -> None:
    group = visit["named"]
    before = _download(api, group)["certificates"]
    assert before["issued"] == [] and before["kind"] == "attendance"
    codes = _issue(api, group)
    assert len(codes) == 2
    section = _download(api, group)["certificates"]
    assert sorted(row["code"] for row in section["issued"]) == codes
    assert {row["participant"] for row in section["issued"]} == {"Léa Dupont-Martin", "Mme Roux"}
    assert section["retention"] == {
        "days_after_visit": settings.RETENTION_BOOKING_CONTACT_DAYS,
        "kept_until": None,
        "rule": "erased with the participant list and the contact",
    }
    # Another group's download holds none of them.
    assert _download(api, visit["counted"])["certificates"]["issued"] == []


def test_a_training_booking_says_its_certificates_are_kept_for_the_training_period(
    api: Any, visit: Any
) -> None:
    group = visit["named"]
    Booking.objects.filter(reference=group["reference"]).update(training=True)
    codes = _issue(api, group)
    section = _download(api, group)["certificates"]
    assert section["kind"] == "completion"
    assert sorted(row["code"] for row in section["issued"]) == codes
    days = settings.RETENTION_TRAINING_RECORDS_DAYS
    kept = timezone.localtime(visit["departure"].starts_at + timedelta(days=days)).date()
    assert section["retention"]["days_after_visit"] == days
    assert section["retention"]["kept_until"] == kept.isoformat()
    assert Certificate.objects.count() == 2


def test_the_departures_admin_links_the_printable_manifest(visit: Any) -> None:
    departure = visit["departure"]
    url = f"/api/v1/departures/{departure.pk}/manifest.pdf"
    office = StaffFactory(username="office-manifest", groups=[])
    office.user_permissions.add(
        Permission.objects.get(codename="view_departure"),
        Permission.objects.get(codename="view_booking"),
    )
    client = Client()
    client.force_login(office)
    page = client.get("/admin/itineraries/departure/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    assert f'href="{url}"' in page.content.decode()
    assert "Manifeste" in page.content.decode()
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Staff who may not read bookings (names and needs) see the link, but the PDF is refused.
    clerk = StaffFactory(username="catalogue-clerk", groups=[])
    clerk.user_permissions.add(Permission.objects.get(codename="view_departure"))
    other = Client()
    other.force_login(clerk)
    assert other.get(url).status_code == 404
