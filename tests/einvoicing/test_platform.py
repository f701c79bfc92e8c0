"""Invoices issued through the seller's accredited platform (PA, the 2026 reform): the adapter
the settings choose (AFNOR XP Z12-013 Flow Service) runs for real against a loopback platform;
with no adapter for the chosen PA, health and admin say so and invoices go as before."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from core import outbox
from core.models import Consequence
from einvoicing import services
from einvoicing.models import Delivery, DeliveryChannel, DeliveryStatus, PlatformSettings
from invoicing.models import Invoice
from tests.factories import UserFactory
from tests.fakes.afnor_flow import TOKEN, FakeFlowPlatform
from tests.fakes.chorus_pro import FakeChorusPro
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

COMPANY = {"name": "Régie culturelle", "type": "company", "siret": "44306184100047"}
FOREIGN = {"name": "Stadt Köln", "type": "company", "siret": ""}


def _issues_through(adapter: str = "afnor_flow", name: str = "PA Exemple") -> None:
    PlatformSettings.objects.update_or_create(
        pk=1,
        defaults={"issues_through_platform": True, "issuing_platform": name, "adapter": adapter},
    )


def _issue(staff_api: Any, **booking: Any) -> Invoice:
    if booking.get("organisation", {}) is None:
        booking.pop("organisation")  # the helpers' public body
    else:
        booking.setdefault("organisation", {**COMPANY, "vat_number": ""})
    response = issue(staff_api, confirmed_booking(**booking), "full")
    assert response.status_code == 201, response.content
    return Invoice.objects.get(number=response.json()["number"])


def _follow(times: int) -> None:
    for _ in range(times):
        Delivery.objects.filter(next_check_at__isnull=False).update(next_check_at=timezone.now())
        services.deliveries_follow()


def test_a_companys_invoice_goes_through_the_platform_once_and_is_followed(
    staff_api: Any, flow_platform: FakeFlowPlatform
) -> None:
    _issues_through()
    flow_platform.timeline("Pending", "Ok")
    invoice = _issue(staff_api)

    delivery = Delivery.objects.get(invoice=invoice)
    assert (delivery.channel, delivery.status) == (DeliveryChannel.PLATFORM, "deposited")
    (flow,) = flow_platform.flows.values()
    assert delivery.flux_number == flow.flow_id
    assert flow.file == bytes(invoice.pdf)  # the very Factur-X PDF/A-3
    assert flow.info == {
        "trackingId": invoice.number,
        "name": f"{invoice.number}.pdf",
        "flowSyntax": "Factur-X",
        "flowProfile": "EN16931",
        "sha256": hashlib.sha256(bytes(invoice.pdf)).hexdigest(),
    }
    assert [m for m in mail.outbox if invoice.number in m.subject] == []

    services.delivery_run(invoice, bytes(invoice.pdf))  # at least once: not sent again
    assert len(flow_platform.flows) == 1

    _follow(3)
    delivery.refresh_from_db()
    assert [row["status"] for row in delivery.history] == ["deposited", "made_available"]
    assert delivery.next_check_at is None  # the acknowledgement has nothing more to say


def test_the_platforms_refusal_is_recorded_with_its_reason(
    staff_api: Any, flow_platform: FakeFlowPlatform
) -> None:
    _issues_through()
    flow_platform.timeline(("Error", "BT-47 : SIREN de l'acheteur inconnu de l'annuaire"))
    invoice = _issue(staff_api)
    _follow(1)
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.history[-1]["reason"] == "BT-47 : SIREN de l'acheteur inconnu de l'annuaire"


def test_public_buyers_still_go_to_chorus_pro_and_buyers_without_siret_by_email(
    staff_api: Any, flow_platform: FakeFlowPlatform, chorus_pro: FakeChorusPro
) -> None:
    _issues_through()
    chorus_pro.add_structure("21620041600016", name="Mairie d'Arras")
    public = _issue(staff_api, organisation=None)  # the helpers' public body
    assert Delivery.objects.get(invoice=public).channel == DeliveryChannel.CHORUS_PRO
    foreign = _issue(staff_api, organisation={**FOREIGN, "vat_number": "DE123456789"})
    assert Delivery.objects.get(invoice=foreign).channel == DeliveryChannel.EMAIL
    assert flow_platform.flows == {}


def test_the_platform_down_leaves_the_invoice_issued_and_the_sending_retried(
    staff_api: Any, flow_platform: FakeFlowPlatform, captured_logs: Any
) -> None:
    _issues_through()
    flow_platform.fail_next(1, 503)
    invoice = _issue(staff_api)
    row = Consequence.objects.get(key=f"deliver:invoice:{invoice.pk}")
    assert row.done_at is None and "503" in row.last_error
    Consequence.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox.consequences_sweep() == 1
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.DEPOSITED
    assert len(flow_platform.flows) == 1
    assert TOKEN not in captured_logs.getvalue()


def test_no_adapter_for_the_chosen_platform_is_said_and_invoices_go_as_before(
    staff_api: Any, api: Any
) -> None:
    _issues_through(adapter="", name="PA Exemple")
    answer = api.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["channels"] == {"platform": "error: no adapter for PA Exemple"}
    invoice = _issue(staff_api)
    assert len([m for m in mail.outbox if invoice.number in m.subject]) == 1  # as before
    assert not Delivery.objects.exists()

    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.get("/admin/einvoicing/platformsettings/1/change/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "ne passent pas encore par PA Exemple" in page.content.decode()


def test_the_adapter_chosen_without_its_settings_or_with_a_wrong_key_is_reported(
    api: Any, flow_platform: FakeFlowPlatform, settings: Any
) -> None:
    _issues_through()
    assert api.get("/healthz").json()["channels"] == {"platform": "configured"}
    settings.PA_FLOW_API_TOKEN = "wrong"
    from einvoicing.platforms import PlatformBadCredentials, platform_active

    adapter = platform_active()
    assert adapter is not None
    with pytest.raises(PlatformBadCredentials):
        adapter.status("unknown")
    assert api.get("/healthz").json()["channels"] == {"platform": "error: bad credentials"}
    settings.PA_FLOW_API_TOKEN = ""
    body = json.loads(api.get("/healthz").content)
    assert body["channels"] == {"platform": "error: adapter afnor_flow not configured"}


def test_an_invoice_stuck_at_the_platform_is_logged_and_summarised(
    staff_api: Any, flow_platform: FakeFlowPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    """A platform's invoice whose acknowledgement has not moved for EINVOICING_STUCK_DAYS is
    reported as Chorus Pro's are, with Chorus Pro not configured at all."""
    from datetime import timedelta

    from django.conf import settings

    from einvoicing.summary import summary_collect

    _issues_through()
    flow_platform.timeline("Pending")
    invoice = _issue(staff_api)
    long_ago = timezone.now() - timedelta(days=settings.EINVOICING_STUCK_DAYS + 1)
    Delivery.objects.filter(invoice=invoice).update(status_changed_at=long_ago)

    with caplog.at_level("WARNING", logger="einvoicing.services"):
        assert services.deliveries_follow()["stuck"] == 1
    assert any(invoice.number in record.getMessage() for record in caplog.records)
    assert [d.invoice.number for d in summary_collect().stuck] == [invoice.number]
