"""The seller's accredited platform (PA) settings and what the reform asks of it on a day: the
reception obligation for all on 1 September 2026, issuing on 1 September 2026 for large and
mid-sized companies and 1 September 2027 for SMEs."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from einvoicing.models import CompanySize, PlatformSettings
from einvoicing.reform import platform_settings, reform_status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _to_do(settings: PlatformSettings, today: date) -> list[str]:
    with translation.override("en"):
        return [str(item) for item in reform_status(settings=settings, today=today).to_do]


@pytest.mark.parametrize(
    ("size", "issuing_from"),
    [
        (CompanySize.LARGE, date(2026, 9, 1)),
        (CompanySize.MID, date(2026, 9, 1)),
        (CompanySize.SME, date(2027, 9, 1)),
    ],
)
def test_the_issuing_date_follows_the_company_size(size: str, issuing_from: date) -> None:
    status = reform_status(settings=PlatformSettings(company_size=size), today=date(2026, 1, 1))
    assert status.receiving_from == date(2026, 9, 1)
    assert status.issuing_from == issuing_from


def test_what_is_left_to_do_depends_on_the_day_and_the_settings(settings: Any) -> None:
    sme = PlatformSettings(company_size=CompanySize.SME)
    before = _to_do(sme, date(2026, 8, 31))
    assert "before 01/09/2026" in before[0]
    assert "from 01/09/2027" in before[2]
    after = _to_do(sme, date(2026, 12, 1))
    assert "due since 01/09/2026" in after[0]
    assert "from 01/09/2027" in after[2]  # an SME issues through a PA only from 2027
    assert "compulsory since 01/09/2027" in _to_do(sme, date(2027, 9, 1))[2]
    done = PlatformSettings(
        company_size=CompanySize.MID,
        receiving_platform="PA Exemple",
        directory_registered=True,
        issues_through_platform=True,
        issuing_platform="PA Exemple",
    )
    (no_adapter,) = _to_do(done, date(2026, 12, 1))
    assert "no adapter is configured" in no_adapter
    done.adapter = "afnor_flow"
    settings.PA_FLOW_API_URL, settings.PA_FLOW_API_TOKEN = "http://127.0.0.1:9", "key"
    assert _to_do(done, date(2026, 12, 1)) == []


def test_one_row_and_a_platform_named_when_issuing_through_one() -> None:
    assert platform_settings().pk == 1 and not PlatformSettings.objects.exists()  # not created
    PlatformSettings.objects.create(pk=1)
    with transaction.atomic(), pytest.raises(IntegrityError):
        PlatformSettings.objects.create(pk=2)
    with transaction.atomic(), pytest.raises(IntegrityError):
        PlatformSettings.objects.filter(pk=1).update(issues_through_platform=True)


def test_the_admin_edits_the_one_row_and_shows_what_is_left_in_french() -> None:
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.get("/admin/einvoicing/platformsettings/add/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Choisir une plateforme agréée pour recevoir" in text
    saved = client.post(
        "/admin/einvoicing/platformsettings/add/",
        {
            "company_size": "sme",
            "receiving_platform": "PA Exemple",
            "directory_registered": "on",
            "issuing_platform": "",
            "platform_number": "",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    row = PlatformSettings.objects.get()
    assert row.pk == 1 and row.receiving_platform == "PA Exemple"
    assert client.get("/admin/einvoicing/platformsettings/add/").status_code == 403
    page = client.get("/admin/einvoicing/platformsettings/1/change/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Émettre les factures par une plateforme agréée à partir du 01/09/2027" in (
        page.content.decode()
    )
