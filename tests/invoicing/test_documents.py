"""The invoice PDF read back: every mandatory mention, and a Factur-X EN 16931 XML that passes the
schema and the business rules (run offline with saxonche), with the PDF's amounts."""

from __future__ import annotations

from typing import Any

import facturx
import pytest
from django.utils import timezone
from lxml import etree

from invoicing.cii import NS
from tests.invoicing.helpers import confirmed_booking, issue, pdf_text, settle_deposit_invoices
from tests.invoicing.schematron import fatal_failures

pytestmark = pytest.mark.django_db


def _pdf(staff_api: Any, number: str) -> bytes:
    response = staff_api.get(f"/api/v1/invoices/{number}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return bytes(response.content)


def _xml(pdf: bytes) -> bytes:
    name, xml = facturx.get_facturx_xml_from_pdf(pdf)
    assert name == "factur-x.xml"
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    return bytes(xml)


def _text(xml: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(xml).xpath(path, namespaces=NS)]


def _issued(staff_api: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    booking = confirmed_booking()
    deposit = issue(staff_api, booking, "deposit").json()
    settle_deposit_invoices(booking)
    final = issue(staff_api, booking, "final").json()
    return deposit, final


def test_final_invoice_pdf_carries_every_mandatory_mention(staff_api: Any) -> None:
    deposit, final = _issued(staff_api)
    text = " ".join(pdf_text(_pdf(staff_api, final["number"])).split())
    today = timezone.localdate().strftime("%d/%m/%Y")
    due = timezone.datetime.fromisoformat(final["due_date"]).strftime("%d/%m/%Y")
    service = timezone.datetime.fromisoformat(final["service_date"]).strftime("%d/%m/%Y")
    mentions = [
        f"Facture n° {final['number']}",
        f"Date d'émission : {today}",
        f"Date de la prestation : {service}",
        f"Date d'échéance : {due}",
        # both parties, identifiers, VAT numbers
        "Voyages apprenants",
        "Rue de Bourgogne",
        "62750 Loos-en-Gohelle",
        "SIREN : 732829320",
        "SIRET : 73282932000074",
        "N° TVA intracommunautaire : FR44732829320",
        "Mairie d'Arras",
        "Place des Héros",
        "62000 Arras",
        "SIREN : 216200416",
        "SIRET : 21620041600016",
        # public buyer: purchase order and service code
        "N° de bon de commande / engagement : EJ-2026-0042",
        "Code service : SERV-01",
        # lines: description, quantity, unit price excl. VAT, rate, total
        "Prix unitaire HT",
        "18 15,00 € 20,00 % 270,00 €",
        "18 18,00 € 10,00 % 324,00 €",
        # deposits deducted, by number
        f"Acompte déduit : facture {deposit['number']}",
        "-1 81,00 € 20,00 % -81,00 €",
        "Acomptes facturés, déduits ci-dessus (TTC) 204,12 €",
        # VAT per rate and totals
        "TVA 20,00 % 189,00 € 37,80 €",
        "TVA 10,00 % 226,80 € 22,68 €",
        "Total HT 415,80 €",
        "Total TVA 60,48 €",
        "Total TTC 476,28 €",
        "Net à payer 476,28 €",
        # terms
        f"échéance le {due}",
        "Pas d'escompte pour paiement anticipé",
        # a public buyer: the law's late-payment interest, not the seller's penalties
        "Intérêts moratoires en cas de retard de paiement : taux de la BCE",
        "majoré de 8 points",
        "décret n° 2013-269",
        "Indemnité forfaitaire pour frais de recouvrement : 40 €",
        "TVA acquittée sur les encaissements",
        "Prestation de services",
        f"Statut du paiement : à payer au plus tard le {due}",
        "IBAN : FR7630006000011234567890189",
        "BIC : AGRIFRPPXXX",
        "DONNÉES DE DÉMONSTRATION",
    ]
    missing = [mention for mention in mentions if mention not in text]
    assert not missing, (missing, text)


def test_factur_x_xml_is_valid_and_says_what_the_pdf_says(staff_api: Any) -> None:
    deposit, final = _issued(staff_api)
    for invoice, type_code in [(deposit, "386"), (final, "380")]:
        pdf = _pdf(staff_api, invoice["number"])
        xml = _xml(pdf)
        assert fatal_failures(xml) == []
        assert _text(xml, "//rsm:ExchangedDocument/ram:TypeCode") == [type_code]
        assert _text(xml, "//rsm:ExchangedDocument/ram:ID") == [invoice["number"]]
        assert _text(xml, "//ram:BuyerReference") == ["SERV-01"]  # BT-10
        assert _text(xml, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == [
            "EJ-2026-0042"  # BT-13
        ]
        summation = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"
        assert _text(xml, summation + "GrandTotalAmount") == [
            f"{invoice['total_incl_vat_cents'] / 100:.2f}"
        ]
        assert _text(xml, summation + "TaxTotalAmount") == [f"{invoice['vat_cents'] / 100:.2f}"]
        assert _text(
            xml, "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CalculatedAmount"
        ) == [f"{row['vat_cents'] / 100:.2f}" for row in invoice["vat_breakdown"]]
        text = pdf_text(pdf)
        assert f"Total TTC {invoice['total_incl_vat_cents'] / 100:.2f}".replace(".", ",") in text


def test_credit_note_is_type_381_and_references_the_invoice(staff_api: Any) -> None:
    _deposit, final = _issued(staff_api)
    note = staff_api.post(
        f"/api/v1/invoices/{final['number']}/credit-note/",
        {"amount_cents": 10000, "reason": "Deux élèves absents"},
        format="json",
    ).json()
    pdf = _pdf(staff_api, note["number"])
    xml = _xml(pdf)
    assert fatal_failures(xml) == []
    assert _text(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert _text(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [final["number"]]
    issued = timezone.datetime.fromisoformat(final["issue_date"])
    assert _text(xml, "//ram:InvoiceReferencedDocument//qdt:DateTimeString") == [
        issued.strftime("%Y%m%d")
    ]
    text = " ".join(pdf_text(pdf).split())
    assert f"Facture d'avoir n° {note['number']}" in text
    assert f"Avoir sur la facture n° {final['number']} du {issued:%d/%m/%Y}" in text
    assert "Motif : Deux élèves absents" in text
    assert "Montant de l'avoir 100,00 €" in text


def test_a_wrong_total_fails_the_business_rules(staff_api: Any) -> None:
    _deposit, final = _issued(staff_api)
    xml = _xml(_pdf(staff_api, final["number"]))
    root = etree.fromstring(xml)
    (grand_total,) = root.xpath("//ram:GrandTotalAmount", namespaces=NS)
    grand_total.text = f"{float(grand_total.text) + 0.01:.2f}"
    broken = etree.tostring(root)
    assert facturx.xml_check_xsd(broken, flavor="factur-x", level="en16931")  # still well-formed
    failures = fatal_failures(broken)
    assert any("BR-CO-15" in failure for failure in failures), failures


def test_the_pdf_is_stored_once_and_served_from_the_row(staff_api: Any) -> None:
    _deposit, final = _issued(staff_api)
    assert _pdf(staff_api, final["number"]) == _pdf(staff_api, final["number"])
