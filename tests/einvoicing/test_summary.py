"""The staff's morning e-mail of deliveries rejected, suspended or stuck: sent once a day, only
when there is something, in French, with the portal's reason and a link to each delivery."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from einvoicing import services, tasks
from einvoicing.models import Delivery
from tests.fakes.chorus_pro import FakeChorusPro
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

SIRET = "21620041600016"
REASON = "Code service absent"


def _follow(times: int) -> None:
    for _ in range(times):
        Delivery.objects.update(next_check_at=None)
        services.deliveries_follow()


def _summaries() -> list[Any]:
    return [m for m in mail.outbox if "Transmissions de factures" in m.subject]


def test_nothing_to_report_sends_nothing(staff_api: Any, chorus_pro: FakeChorusPro) -> None:
    chorus_pro.add_structure(SIRET)
    issue(staff_api, confirmed_booking(), "full")  # deposited today: fine
    mail.outbox.clear()
    assert tasks.send_daily_summary() == 0
    assert _summaries() == []


def test_rejected_and_stuck_deliveries_are_summarised_once_a_day(
    staff_api: Any, chorus_pro: FakeChorusPro, settings: Any
) -> None:
    settings.EINVOICING_SUMMARY_EMAIL = "compta@office.example"
    chorus_pro.add_structure(SIRET)
    chorus_pro.timeline(("REJETEE", REASON))
    rejected = issue(staff_api, confirmed_booking(), "full").json()["number"]
    _follow(2)
    stuck = issue(staff_api, confirmed_booking(), "full").json()["number"]
    long_ago = timezone.now() - timedelta(days=settings.EINVOICING_STUCK_DAYS + 1)
    Delivery.objects.filter(invoice__number=stuck).update(status_changed_at=long_ago)
    mail.outbox.clear()

    assert tasks.send_daily_summary() == 2
    [message] = _summaries()
    assert message.to == ["compta@office.example"]
    assert "(2)" in message.subject
    body = message.body
    assert "Rejetées ou suspendues par le portail" in body
    assert f"{rejected} : Rejected" not in body  # French labels
    assert rejected in body and f"Motif : {REASON}" in body
    assert f"Sans changement depuis {settings.EINVOICING_STUCK_DAYS} jours" in body
    assert stuck in body
    delivery = Delivery.objects.get(invoice__number=rejected)
    assert f"/admin/einvoicing/delivery/{delivery.pk}/change/" in body
    assert body.index(rejected) < body.index(stuck)

    # The task retried the same day sends nothing more; the next day it reports again.
    assert tasks.send_daily_summary() == 0
    assert len(_summaries()) == 1
    from einvoicing.summary import summary_send

    assert summary_send(today=timezone.localdate() + timedelta(days=1)) == 2
    assert len(_summaries()) == 2


def test_a_corrected_rejection_is_no_longer_reported(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.add_structure(SIRET)
    chorus_pro.timeline(("REJETEE", REASON))
    number = issue(staff_api, confirmed_booking(), "full").json()["number"]
    _follow(2)
    response = staff_api.post(
        f"/api/v1/invoices/{number}/delivery/correction/",
        {"reason": "Rejetée", "service_code": "SERV-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    mail.outbox.clear()
    from einvoicing.summary import summary_send

    assert summary_send(today=date(2030, 1, 1)) == 0
    assert _summaries() == []
