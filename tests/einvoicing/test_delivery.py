"""Issued invoices delivered through their channel: Chorus Pro for public buyers (deposited
once, followed to paid, a rejection's reason kept), e-mail otherwise, invoicing unchanged when
the channel is off; the portal down leaves the invoice issued and the delivery retried."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from core import outbox
from core.models import Consequence
from einvoicing import services
from einvoicing.chorus_pro import ChorusProBadCredentials
from einvoicing.models import Delivery, DeliveryChannel, DeliveryStatus
from invoicing.models import Invoice
from invoicing.services import invoice_deliver
from tests.fakes.chorus_pro import CLIENT_SECRET, PASSWORD, FakeChorusPro
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

SIRET = "21620041600016"  # the helpers' public body (Mairie d'Arras)
COMPANY = {
    "name": "Régie culturelle",
    "type": "company",
    "siret": "44306184100047",
    "vat_number": "",
}


def _issue(staff_api: Any, **booking: Any) -> Invoice:
    response = issue(staff_api, confirmed_booking(**booking), "full")
    assert response.status_code == 201, response.content
    return Invoice.objects.get(number=response.json()["number"])


def _mails_of(invoice: Invoice) -> list[Any]:
    return [m for m in mail.outbox if invoice.number in m.subject]


def _follow(times: int) -> None:
    for _ in range(times):
        Delivery.objects.update(next_check_at=None)
        services.deliveries_follow()


def test_with_chorus_pro_off_invoices_are_emailed_as_before_and_nothing_is_recorded(
    staff_api: Any,
) -> None:
    invoice = _issue(staff_api)
    assert len(_mails_of(invoice)) == 1
    assert not Delivery.objects.exists()


def test_a_public_buyers_invoice_is_deposited_once_and_followed_to_paid(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    structure = chorus_pro.add_structure(SIRET, name="Mairie d'Arras")
    chorus_pro.timeline("MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT")
    invoice = _issue(staff_api)

    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.channel == DeliveryChannel.CHORUS_PRO
    assert delivery.structure_id == str(structure.id_cpp)
    assert delivery.status == DeliveryStatus.DEPOSITED
    assert delivery.flux_number == chorus_pro.fluxes[0]
    assert _mails_of(invoice) == []  # the portal is where the buyer reads it
    # The very PDF/A-3 Factur-X the invoice holds is the file deposited.
    assert chorus_pro.invoices[invoice.number].pdf == bytes(invoice.pdf)

    # Delivered again (the outbox is at least once): still one flux.
    invoice_deliver(invoice_id=invoice.pk)
    services.delivery_run(invoice, bytes(invoice.pdf))
    assert len(chorus_pro.fluxes) == 1
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1

    _follow(5)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PAID
    assert [row["status"] for row in delivery.history] == [
        "deposited",
        "made_available",
        "service_certified",
        "payment_ordered",
        "paid",
    ]
    assert delivery.portal_invoice_id == str(chorus_pro.invoices[invoice.number].id_cpp)
    _follow(1)  # paid: no longer followed
    assert len(chorus_pro.calls("/cpro/factures/v1/consulter/fournisseur")) == 5
    assert chorus_pro.rejected == []


def test_a_rejection_is_recorded_with_the_portals_reason(
    staff_api: Any, chorus_pro: FakeChorusPro, captured_logs: Any
) -> None:
    chorus_pro.add_structure(SIRET)
    chorus_pro.timeline(("REJETEE", "Numéro d'engagement absent"))
    invoice = _issue(staff_api)
    _follow(2)
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.status == DeliveryStatus.REJECTED
    assert delivery.history[-1]["reason"] == "Numéro d'engagement absent"
    assert "Numéro d'engagement absent" in captured_logs.getvalue()


def test_a_private_buyer_unknown_to_chorus_pro_gets_the_email_recorded(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    invoice = _issue(staff_api, organisation=COMPANY)
    delivery = Delivery.objects.get(invoice=invoice)
    assert (delivery.channel, delivery.status) == (DeliveryChannel.EMAIL, DeliveryStatus.SENT)
    assert len(_mails_of(invoice)) == 1
    invoice_deliver(invoice_id=invoice.pk)  # again: not sent twice
    assert len(_mails_of(invoice)) == 1
    assert chorus_pro.fluxes == []


def test_the_portal_down_does_not_hold_back_a_private_buyers_email(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.down()
    invoice = _issue(staff_api, organisation=COMPANY)
    delivery = Delivery.objects.get(invoice=invoice)
    assert (delivery.channel, delivery.status) == (DeliveryChannel.EMAIL, DeliveryStatus.SENT)
    assert len(_mails_of(invoice)) == 1


def test_a_private_buyer_registered_in_chorus_pro_is_deposited_there(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.add_structure("44306184100047", name="Régie culturelle")
    invoice = _issue(staff_api, organisation=COMPANY)
    delivery = Delivery.objects.get(invoice=invoice)
    assert (delivery.channel, delivery.status) == (
        DeliveryChannel.CHORUS_PRO,
        DeliveryStatus.DEPOSITED,
    )


def test_the_portal_down_leaves_the_invoice_issued_and_the_delivery_retried(
    staff_api: Any, chorus_pro: FakeChorusPro, captured_logs: Any
) -> None:
    chorus_pro.add_structure(SIRET)
    chorus_pro.down()
    invoice = _issue(staff_api)  # answered 201: nothing waits on the portal

    row = Consequence.objects.get(key=f"deliver:invoice:{invoice.pk}")
    assert row.done_at is None and "unavailable" in row.last_error.lower()
    assert not Delivery.objects.filter(invoice=invoice, status=DeliveryStatus.DEPOSITED).exists()

    chorus_pro.down(False)
    Consequence.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox.consequences_sweep() == 1
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.status == DeliveryStatus.DEPOSITED
    assert len(chorus_pro.fluxes) == 1
    logs = captured_logs.getvalue()
    assert CLIENT_SECRET not in logs and PASSWORD not in logs


def test_a_deposit_that_reached_the_portal_before_failing_is_not_made_again(
    staff_api: Any, chorus_pro: FakeChorusPro, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The portal took the flux but its answer was lost (a timeout): the retry finds the invoice
    at the portal instead of depositing it a second time."""
    chorus_pro.add_structure(SIRET)
    invoice = _issue(staff_api)
    delivery = Delivery.objects.get(invoice=invoice)
    # As if the first answer had been lost: the row still says pending after one attempt.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, flux_number="", history=[]
    )
    services.delivery_run(invoice, bytes(invoice.pdf))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEPOSITED
    assert delivery.portal_invoice_id == str(chorus_pro.invoices[invoice.number].id_cpp)
    assert len(chorus_pro.fluxes) == 1


def test_status_checks_back_off_on_portal_errors_and_stuck_invoices_are_logged(
    staff_api: Any, chorus_pro: FakeChorusPro, captured_logs: Any, settings: Any
) -> None:
    chorus_pro.add_structure(SIRET)
    invoice = _issue(staff_api)
    chorus_pro.fail_next(2, 500)
    _follow(1)
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.check_failures == 1 and delivery.next_check_at is not None
    first_wait = delivery.next_check_at - timezone.now()
    services.delivery_follow(delivery=delivery, client=services._client())
    delivery.refresh_from_db()
    assert delivery.check_failures == 2
    assert delivery.next_check_at - timezone.now() > first_wait  # 2 then 4 minutes
    assert delivery.status == DeliveryStatus.DEPOSITED

    settings.EINVOICING_STUCK_DAYS = 10
    Delivery.objects.filter(pk=delivery.pk).update(
        status_changed_at=timezone.now() - timedelta(days=11)
    )
    assert services.deliveries_follow()["stuck"] == 1
    stuck = [
        json.loads(line)
        for line in captured_logs.getvalue().splitlines()
        if invoice.number in line and "since" in line
    ]
    assert stuck and stuck[-1]["level"] == "WARNING"


def test_the_health_check_reports_the_channel_without_failing_the_site(
    api: Any, chorus_pro: FakeChorusPro, settings: Any
) -> None:
    answer = api.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["channels"] == {"chorus_pro": "configured"}

    settings.CHORUS_PRO_PASSWORD = "wrong"
    with pytest.raises(ChorusProBadCredentials):
        services._client().structure_search(SIRET)
    answer = api.get("/healthz")
    assert answer.status_code == 200
    assert answer.json()["channels"] == {"chorus_pro": "error: bad credentials"}


def test_the_health_check_says_nothing_of_a_channel_that_is_off(api: Any) -> None:
    assert "channels" not in api.get("/healthz").json()
