"""A training booking's invoices (issue 16, item 5): without VAT when the seller's settings say
its training actions are exempt (CGI art. 261-4-4° a), the mention on the PDF in French with
its English, and in the Factur-X XML category E with the exemption's reason and VATEX code
(BT-120, BT-121), still valid against the XSD and the EN 16931 schematron."""

from __future__ import annotations

from typing import Any

import facturx
import pytest
from django.utils import timezone
from lxml import etree

from bookings.models import Booking
from invoicing.cii import NS
from invoicing.models import Invoice
from invoicing.services import invoice_mark_paid
from invoicing.training import exempt_price
from tests.invoicing.helpers import confirmed_booking, issue, pdf_text
from tests.invoicing.schematron import fatal_failures

pytestmark = pytest.mark.django_db

MENTION = "Exonération de TVA, article 261-4-4° a du CGI"


def _training_booking(**overrides: Any) -> Booking:
    booking = confirmed_booking(**overrides)
    Booking.objects.filter(pk=booking.pk).update(training=True)
    return Booking.objects.get(pk=booking.pk)


def _xml_and_text(staff_api: Any, number: str) -> tuple[bytes, str]:
    pdf = bytes(staff_api.get(f"/api/v1/invoices/{number}/pdf").content)
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert fatal_failures(xml) == []
    return bytes(xml), " ".join(pdf_text(pdf).split())


def _text(xml: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(xml).xpath(path, namespaces=NS)]


def test_an_exempt_training_invoice_has_no_vat_and_says_why(staff_api: Any, settings: Any) -> None:
    settings.SELLER_TRAINING_VAT_EXEMPT = True
    booking = _training_booking()
    response = issue(staff_api, booking, "full")
    assert response.status_code == 201, response.content
    invoice = Invoice.objects.get(number=response.json()["number"])
    # The net amount stays (18 x 15.00 + 18 x 18.00), the VAT is nought.
    assert invoice.total_excl_vat_cents == 59400
    assert invoice.vat_cents == 0
    assert invoice.total_incl_vat_cents == 59400
    assert {row["vat_category"] for row in invoice.lines} == {"E"}
    assert {row["vat_rate"] for row in invoice.lines} == {"0.00"}
    assert invoice.vat_breakdown == [
        {
            "vat_rate": "0.00",
            "vat_category": "E",
            "total_excl_vat_cents": 59400,
            "vat_cents": 0,
            "exemption_reason": MENTION,
            "exemption_code": "VATEX-FR-CGI261-4",
        }
    ]
    xml, text = _xml_and_text(staff_api, invoice.number)
    assert set(
        _text(xml, "//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode")
    ) == {"E"}
    header = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/"
    assert _text(xml, header + "ram:CategoryCode") == ["E"]
    assert _text(xml, header + "ram:ExemptionReason") == [MENTION]
    assert _text(xml, header + "ram:ExemptionReasonCode") == ["VATEX-FR-CGI261-4"]
    assert _text(xml, header + "ram:CalculatedAmount") == ["0.00"]
    assert _text(xml, "//ram:GrandTotalAmount") == ["594.00"]
    assert MENTION in text
    assert "VAT exemption, article 261-4-4° a of the French General Tax Code (CGI)" in text
    assert "TVA acquittée sur les encaissements" not in text


def test_a_training_invoice_keeps_its_vat_when_the_seller_is_not_exempt(
    staff_api: Any, settings: Any
) -> None:
    settings.SELLER_TRAINING_VAT_EXEMPT = False
    booking = _training_booking()
    response = issue(staff_api, booking, "full")
    invoice = Invoice.objects.get(number=response.json()["number"])
    assert invoice.total_incl_vat_cents == 68040
    assert {row["vat_category"] for row in invoice.vat_breakdown} == {"S"}
    _xml, text = _xml_and_text(staff_api, invoice.number)
    assert MENTION not in text


def test_an_exempt_training_deposit_final_invoice_and_credit_note_stay_exempt(
    staff_api: Any, settings: Any
) -> None:
    settings.SELLER_TRAINING_VAT_EXEMPT = True
    booking = _training_booking()
    deposit = issue(staff_api, booking, "deposit")
    assert deposit.status_code == 201, deposit.content
    deposit_invoice = Invoice.objects.get(number=deposit.json()["number"])
    # 30 % of the exempt total, the booking priced with VAT before it was marked training.
    assert deposit_invoice.total_incl_vat_cents == 17820
    assert deposit_invoice.vat_cents == 0
    _xml_and_text(staff_api, deposit_invoice.number)
    invoice_mark_paid(invoice=deposit_invoice, amount_cents=17820, paid_at=timezone.now())
    final = issue(staff_api, booking, "final")
    assert final.status_code == 201, final.content
    final_invoice = Invoice.objects.get(number=final.json()["number"])
    assert final_invoice.vat_cents == 0
    assert final_invoice.total_incl_vat_cents == 59400 - 17820
    assert {row["vat_category"] for row in final_invoice.lines} == {"E"}
    _xml_and_text(staff_api, final_invoice.number)
    credit = staff_api.post(
        f"/api/v1/invoices/{final_invoice.number}/credit-note/",
        {"amount_cents": 1000, "reason": "Une absence"},
        format="json",
    )
    assert credit.status_code == 201, credit.content
    note = Invoice.objects.get(number=credit.json()["number"])
    assert [row["vat_category"] for row in note.vat_breakdown] == ["E"]
    assert note.total_incl_vat_cents == 1000
    _xml_and_text(staff_api, note.number)


def test_exempt_price_keeps_the_net_and_is_idempotent() -> None:
    price = {
        "lines": [
            {
                "label": "Visite",
                "quantity": 2,
                "unit_price_cents": 1000,
                "total_excl_vat_cents": 2000,
                "vat_rate": "20.00",
            },
        ],
        "vat_breakdown": [{"vat_rate": "20.00", "total_excl_vat_cents": 2000, "vat_cents": 400}],
        "total_excl_vat_cents": 2000,
        "vat_cents": 400,
        "total_cents": 2400,
        "deposit_percent": 30,
        "deposit_cents": 720,
    }
    exempt = exempt_price(price)
    assert exempt["total_cents"] == 2000 and exempt["vat_cents"] == 0
    assert exempt["deposit_cents"] == 600
    assert exempt_price(exempt) == exempt
