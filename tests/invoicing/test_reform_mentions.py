"""The e-invoicing reform's new mentions (issue 16, item 6), on the PDF (read back) and in the
Factur-X XML, which still passes the XSD and the EN 16931 schematron: the buyer's SIREN
(BT-47), the category of the operation, the delivery address when it differs (BG-15) and the
option for VAT on debits (BT-8, and a note) when the seller has chosen it."""

from __future__ import annotations

from typing import Any

import facturx
import pytest
from lxml import etree

from invoicing.cii import NS
from invoicing.models import SellerProfile
from invoicing.services import seller_profile_get
from itineraries.models import Site
from tests.invoicing.helpers import confirmed_booking, issue, pdf_text
from tests.invoicing.schematron import fatal_failures

pytestmark = pytest.mark.django_db

COMPANY = {
    "name": "Régie culturelle",
    "type": "company",
    "siret": "44306184100047",
    "vat_number": "",
}
SITE_ADDRESS = "Base 11/19, rue de Bourgogne, 62750 Loos-en-Gohelle"


def _documents(staff_api: Any, **booking: Any) -> tuple[bytes, str]:
    made = confirmed_booking(**booking)
    site = Site.objects.create(
        slug=f"base-11-19-{made.reference.lower()}",
        name="Base 11/19",
        address=SITE_ADDRESS,
        latitude=50.46,
        longitude=2.79,
        max_visitors=60,
    )
    made.departure.itinerary.meeting_site = site
    made.departure.itinerary.save(update_fields=["meeting_site"])
    response = issue(staff_api, made, "full")
    assert response.status_code == 201, response.content
    pdf = bytes(staff_api.get(f"/api/v1/invoices/{response.json()['number']}/pdf").content)
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert fatal_failures(xml) == []
    return bytes(xml), pdf_text(pdf)


def _text(xml: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(xml).xpath(path, namespaces=NS)]


def _attr(xml: bytes, path: str) -> list[str]:
    return [str(value) for value in etree.fromstring(xml).xpath(path, namespaces=NS)]


def test_a_companys_invoice_carries_the_reforms_mentions(staff_api: Any) -> None:
    xml, text = _documents(staff_api, organisation=COMPANY)
    buyer = "//ram:BuyerTradeParty/"
    assert _text(xml, buyer + "ram:SpecifiedLegalOrganization/ram:ID") == ["443061841"]  # BT-47
    assert _attr(xml, buyer + "ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == ["0002"]
    assert _text(xml, buyer + "ram:GlobalID") == ["44306184100047"]  # BT-46, SIRET
    assert "Catégorie de l'opération : prestation de services" in _text(
        xml, "//ram:IncludedNote/ram:Content"
    )
    ship_to = "//ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:PostalTradeAddress/"
    assert _text(xml, ship_to + "ram:LineOne") == [SITE_ADDRESS]  # BG-15
    assert _text(xml, "//ram:DueDateTypeCode") == []  # VAT on receipts: no BT-8
    assert "SIREN : 443061841" in text
    assert "Prestation de services" in text and "Provision of services" in text
    assert f"Delivery address (where the service is provided) : {SITE_ADDRESS}" in " ".join(
        text.split()
    )
    assert "débits" not in text


def test_the_vat_on_debits_option_is_stated_when_the_seller_chose_it(staff_api: Any) -> None:
    seller_profile_get()
    SellerProfile.objects.filter(pk=1).update(vat_on_debits=True)
    xml, text = _documents(staff_api)
    assert set(_text(xml, "//ram:DueDateTypeCode")) == {"5"}  # BT-8: the invoice's date
    assert "Option pour le paiement de la TVA d'après les débits" in _text(
        xml, "//ram:IncludedNote/ram:Content"
    )
    assert "Option pour le paiement de la TVA d'après les débits" in text
    # A public buyer keeps its SIRET in BT-47: Chorus Pro routes the invoice on it.
    assert _attr(xml, "//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == [
        "0009"
    ]
