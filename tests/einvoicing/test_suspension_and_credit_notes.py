"""An invoice the buyer suspended at Chorus Pro, completed by staff as the portal documents it
(``completer``) and followed again; credit notes deposited as credit notes (the portal reads
TypeCode 381 from the Factur-X XML, with the invoice it credits), a deposit invoice's too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import TestCase
from facturx import get_facturx_xml_from_pdf
from lxml import etree

from einvoicing import services
from einvoicing.models import Delivery, DeliveryChannel, DeliveryStatus
from invoicing.models import Invoice, InvoiceKind
from invoicing.services import credit_note_issue
from tests.conftest import assert_problem
from tests.fakes.chorus_pro import CII, FakeChorusPro
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

SIRET = "21620041600016"
ASKED = "Merci d'indiquer le numéro d'engagement"


def _follow(times: int) -> None:
    for _ in range(times):
        Delivery.objects.update(next_check_at=None)
        services.deliveries_follow()


def _issued(staff_api: Any, kind: str = "full") -> Invoice:
    response = issue(staff_api, confirmed_booking(), kind)
    assert response.status_code == 201, response.content
    return Invoice.objects.get(number=response.json()["number"])


def _suspended(staff_api: Any, fake: FakeChorusPro) -> Invoice:
    fake.add_structure(SIRET, name="Mairie d'Arras")
    fake.timeline(("SUSPENDUE", ASKED))
    invoice = _issued(staff_api)
    _follow(2)
    delivery = Delivery.objects.get(invoice=invoice)
    assert (delivery.status, delivery.history[-1]["reason"]) == (DeliveryStatus.SUSPENDED, ASKED)
    return invoice


def _complete(staff_api: Any, number: str, **body: Any) -> Any:
    return staff_api.post(
        f"/api/v1/invoices/{number}/delivery/completion/",
        {"comment": "Numéro d'engagement : EJ-2026-0042", **body},
        format="json",
    )


def test_a_suspended_invoice_is_completed_at_the_portal_and_followed_to_paid(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    invoice = _suspended(staff_api, chorus_pro)
    fake_invoice = chorus_pro.invoices[invoice.number]
    fake_invoice.timeline = []  # what follows the completion
    response = _complete(staff_api, invoice.number)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "made_available"
    assert fake_invoice.completions == ["Numéro d'engagement : EJ-2026-0042"]
    assert fake_invoice.status == "COMPLETEE"
    assert len(chorus_pro.fluxes) == 1  # completed, not deposited again
    fake_invoice.timeline = [("SERVICE_FAIT", ""), ("MISE_EN_PAIEMENT", "")]
    _follow(3)
    delivery = Delivery.objects.get(invoice=invoice)
    assert [row["status"] for row in delivery.history] == [
        "deposited",
        "suspended",
        "made_available",
        "service_certified",
        "paid",
    ]
    assert "EJ-2026-0042" in delivery.history[2]["reason"]


def test_only_a_suspended_invoice_is_completed_and_an_outage_changes_nothing(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    chorus_pro.add_structure(SIRET)
    deposited = _issued(staff_api)
    assert_problem(_complete(staff_api, deposited.number), 409, "delivery_not_suspended", "status")
    assert_problem(_complete(staff_api, "F2026-999999"), 404, "delivery_not_found")
    invoice = _suspended(staff_api, chorus_pro)
    assert_problem(_complete(staff_api, invoice.number, comment=""), 400, "validation_error")
    chorus_pro.stop()
    assert_problem(_complete(staff_api, invoice.number), 503, "portal_unavailable")
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.SUSPENDED


def test_a_suspended_invoice_whose_data_must_change_is_corrected_like_a_rejected_one(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    invoice = _suspended(staff_api, chorus_pro)
    response = staff_api.post(
        f"/api/v1/invoices/{invoice.number}/delivery/correction/",
        {"reason": ASKED, "purchase_order": "EJ-2026-0042"},
        format="json",
    )
    assert response.status_code == 201, response.content
    new = Invoice.objects.get(number=response.json()["invoice"])
    assert Delivery.objects.get(invoice=new).channel == DeliveryChannel.CHORUS_PRO
    assert b"EJ-2026-0042" in get_facturx_xml_from_pdf(bytes(new.pdf), check_xsd=False)[1]


def _type_and_reference(invoice: Invoice) -> tuple[str, str]:
    xml = etree.fromstring(get_facturx_xml_from_pdf(bytes(invoice.pdf), check_xsd=False)[1])
    type_code = xml.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=CII)
    reference = xml.findtext(
        ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=CII
    )
    return str(type_code), str(reference)


@pytest.mark.parametrize("kind", ["full", "deposit"])
def test_a_credit_note_is_deposited_as_a_credit_note_referring_to_what_it_credits(
    staff_api: Any, chorus_pro: FakeChorusPro, kind: str
) -> None:
    chorus_pro.add_structure(SIRET, name="Mairie d'Arras")
    invoice = _issued(staff_api, kind)
    assert chorus_pro.invoices[invoice.number].type_facture == "FACTURE"
    with TestCase.captureOnCommitCallbacks(execute=True):
        credit_note = credit_note_issue(invoice=invoice, reason="Visite annulée")
    credit_note.refresh_from_db()  # its PDF was rendered by the delivery, after commit
    assert credit_note.kind == InvoiceKind.CREDIT_NOTE
    delivery = Delivery.objects.get(invoice=credit_note)
    assert (delivery.channel, delivery.status) == (DeliveryChannel.CHORUS_PRO, "deposited")
    deposited = chorus_pro.invoices[credit_note.number]
    assert deposited.pdf == bytes(credit_note.pdf)
    assert (deposited.type_code, deposited.type_facture) == ("381", "AVOIR")
    assert _type_and_reference(credit_note) == ("381", invoice.number)  # BT-3, BT-25
