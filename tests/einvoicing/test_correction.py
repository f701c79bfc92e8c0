"""An invoice the portal rejected, corrected by staff: a credit note cancels it (e-mailed to the
group, not deposited), a new invoice with the corrected billing data replaces it and is
deposited; asking twice corrects once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from facturx import get_facturx_xml_from_pdf

from bookings.models import BookingEvent
from einvoicing import services
from einvoicing.models import Delivery, DeliveryChannel, DeliveryStatus
from invoicing.models import Invoice, InvoiceKind
from tests.conftest import assert_problem
from tests.factories import UserFactory
from tests.fakes.chorus_pro import FakeChorusPro
from tests.invoicing.helpers import confirmed_booking, issue

pytestmark = pytest.mark.django_db

SIRET = "21620041600016"
REASON = "Numéro d'engagement absent ou inconnu"


def _follow(times: int) -> None:
    for _ in range(times):
        Delivery.objects.update(next_check_at=None)
        services.deliveries_follow()


def _rejected(staff_api: Any, fake: FakeChorusPro) -> Invoice:
    fake.add_structure(SIRET, name="Mairie d'Arras")
    fake.timeline(("REJETEE", REASON))
    response = issue(staff_api, confirmed_booking(), "full")
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get(number=response.json()["number"])
    _follow(2)
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.REJECTED
    return invoice


def _correct(staff_api: Any, number: str, **body: Any) -> Any:
    return staff_api.post(
        f"/api/v1/invoices/{number}/delivery/correction/",
        {"reason": "Rejeté par Chorus Pro", **body},
        format="json",
    )


def test_a_rejected_invoice_is_credited_reissued_and_deposited_again_once(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    original = _rejected(staff_api, chorus_pro)
    chorus_pro.timeline("MISE_A_DISPOSITION", "MISE_EN_PAIEMENT")
    mail.outbox.clear()

    response = _correct(staff_api, original.number, purchase_order="EJ-2026-0099")
    assert response.status_code == 201, response.content
    body = response.json()
    note = Invoice.objects.get(number=body["credit_note"])
    new = Invoice.objects.get(number=body["invoice"])
    assert note.kind == InvoiceKind.CREDIT_NOTE and note.credited_invoice_id == original.pk
    assert note.total_incl_vat_cents == original.total_incl_vat_cents
    assert (
        new.kind == InvoiceKind.INVOICE
        and new.total_incl_vat_cents == original.total_incl_vat_cents
    )
    assert new.buyer["purchase_order"] == "EJ-2026-0099"
    # The new invoice's Factur-X carries the corrected commitment number (BT-13).
    _name, xml = get_facturx_xml_from_pdf(bytes(new.pdf))
    assert b"EJ-2026-0099" in xml
    assert body["delivery"]["status"] == "rejected"

    # The new invoice is deposited (a second flux), the credit note e-mailed, not deposited.
    assert len(chorus_pro.fluxes) == 2
    assert set(chorus_pro.invoices) == {original.number, new.number}
    assert chorus_pro.invoices[new.number].pdf == bytes(new.pdf)
    note_delivery = Delivery.objects.get(invoice=note)
    assert (note_delivery.channel, note_delivery.status) == (DeliveryChannel.EMAIL, "sent")
    assert [m for m in mail.outbox if note.number in m.subject]
    assert BookingEvent.objects.filter(action="billing_changed").count() == 1

    # Asked again (a double click, a retry): the same answer, nothing issued, nothing deposited.
    again = _correct(staff_api, original.number, purchase_order="EJ-2026-0099")
    assert again.status_code == 200
    assert (again.json()["credit_note"], again.json()["invoice"]) == (note.number, new.number)
    assert Invoice.objects.count() == 3 and len(chorus_pro.fluxes) == 2

    # The new invoice is followed to paid.
    _follow(3)
    assert Delivery.objects.get(invoice=new).status == DeliveryStatus.PAID


def test_only_a_rejected_delivery_is_corrected(staff_api: Any, chorus_pro: FakeChorusPro) -> None:
    chorus_pro.add_structure(SIRET)
    number = issue(staff_api, confirmed_booking(), "full").json()["number"]
    assert_problem(_correct(staff_api, number), 409, "delivery_not_rejected", "status")
    assert Invoice.objects.count() == 1
    assert_problem(_correct(staff_api, "F2026-999999"), 404, "delivery_not_found")
    assert_problem(
        staff_api.post(f"/api/v1/invoices/{number}/delivery/correction/", {}, format="json"),
        400,
        "validation_error",
        "reason",
    )


def test_the_group_cannot_correct_and_staff_need_the_invoicing_permissions(
    api: Any, staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    original = _rejected(staff_api, chorus_pro)
    assert _correct(api, original.number).status_code in (401, 403)
    assert Invoice.objects.count() == 1


def test_the_admin_action_corrects_the_rejected_deliveries_selected(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    original = _rejected(staff_api, chorus_pro)
    delivery = Delivery.objects.get(invoice=original)
    client = Client()
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    page = client.post(
        "/admin/einvoicing/delivery/",
        {"action": "correct", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert page.status_code == 200
    delivery.refresh_from_db()
    assert delivery.credit_note is not None and delivery.corrected_by is not None
    text = page.content.decode()
    assert delivery.credit_note.number in text and delivery.corrected_by.number in text
    assert REASON in delivery.credit_note.reason
    # Selected again: nothing more is issued.
    client.post(
        "/admin/einvoicing/delivery/",
        {"action": "correct", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert Invoice.objects.count() == 3


def test_correcting_a_card_paid_invoice_carries_the_payment_to_the_new_invoice(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    """The group paid by card: its invoice was issued paid. Rejected, then corrected, the new
    invoice records the payment already received (paid, nothing left to pay), so that the
    books balance: the credit note cancels the first invoice, the payment stays received once,
    and the group is never asked for it again."""
    from datetime import UTC, datetime

    from django.test import TestCase

    from invoicing.late_payment import left_to_pay_cents
    from invoicing.retention import invoice_unpaid
    from invoicing.services import invoice_for_payment

    chorus_pro.add_structure(SIRET, name="Mairie d'Arras")
    chorus_pro.timeline(("REJETEE", REASON))
    booking = confirmed_booking()
    paid_at = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    with TestCase.captureOnCommitCallbacks(execute=True):
        original = invoice_for_payment(
            booking=booking, kind="full", amount_cents=booking.total_cents, paid_at=paid_at
        )
    assert original.paid and original.paid_cents == original.total_incl_vat_cents == 68040
    _follow(2)
    assert Delivery.objects.get(invoice=original).status == DeliveryStatus.REJECTED

    response = _correct(staff_api, original.number, purchase_order="EJ-2026-0099")
    assert response.status_code == 201, response.content
    new = Invoice.objects.get(number=response.json()["invoice"])
    assert (new.paid, new.paid_cents, new.prepaid_cents, new.paid_at) == (
        True,
        68040,
        68040,
        paid_at,
    )
    assert left_to_pay_cents(new) <= 0
    assert invoice_unpaid(new.booking) is None  # nothing open in the books
    # The document says so too: prepaid BT-113 the total, nothing due (BT-115).
    _name, xml = get_facturx_xml_from_pdf(bytes(new.pdf))
    assert b"<ram:TotalPrepaidAmount>680.40</ram:TotalPrepaidAmount>" in xml
    assert b"<ram:DuePayableAmount>0.00</ram:DuePayableAmount>" in xml
