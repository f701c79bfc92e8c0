"""The deliveries' admin: listed by status, the history with the portal's reason, and the retry
action delivering a pending one again."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from einvoicing.chorus_pro import ChorusProUnavailable
from einvoicing.models import Delivery, DeliveryStatus
from einvoicing.services import delivery_get_or_create, delivery_retry, delivery_run
from invoicing.models import Invoice
from tests.factories import UserFactory
from tests.fakes.chorus_pro import FakeChorusPro
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

SIRET = "21620041600016"


def _admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_deliveries_by_status_their_history_and_the_retry_action(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.add_structure(SIRET)
    chorus_pro.down()
    response = issue(staff_api, confirmed_booking(), "full")
    assert response.status_code == 201
    assert not Delivery.objects.exists()  # the portal could not even say who the buyer is
    chorus_pro.down(False)
    invoice = Invoice.objects.get(number=response.json()["number"])
    delivery_get_or_create(invoice)  # the buyer is found at the portal...
    chorus_pro.fail_next(1, 500)  # ...and the deposit fails
    with pytest.raises(ChorusProUnavailable, match="500"):
        delivery_run(invoice, bytes(invoice.pdf))
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.status == DeliveryStatus.PENDING and "500" in delivery.last_error

    client = _admin_client()
    listed = client.get("/admin/einvoicing/delivery/?status__exact=pending")
    assert listed.status_code == 200
    assert invoice.number in listed.content.decode()
    assert (
        invoice.number
        not in client.get("/admin/einvoicing/delivery/?status__exact=paid").content.decode()
    )

    retried = client.post(
        "/admin/einvoicing/delivery/",
        {"action": "retry", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert retried.status_code == 200
    assert "1 transmission relancée" in retried.content.decode() or "1 delivery retried" in (
        retried.content.decode()
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEPOSITED and delivery.last_error == ""
    assert len(chorus_pro.fluxes) == 1

    page = client.get(f"/admin/einvoicing/delivery/{delivery.pk}/change/")
    assert page.status_code == 200
    assert "Déposée" in page.content.decode() or "Deposited" in page.content.decode()
    delivery_retry(delivery_id=delivery.pk)  # deposited: consulted, never deposited again
    assert len(chorus_pro.fluxes) == 1
