"""The Factur-X EN 16931 XML (UN/CEFACT CII D16B) of an invoice, built from its frozen row.

Every amount is read from the row (lines, VAT table, totals), so the XML says what the PDF says.
Type codes: 380 invoice, 386 deposit invoice, 381 credit note (with the invoice it credits, BT-25).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from invoicing.late_payment import late_payment_mention
from invoicing.models import Invoice, InvoiceKind

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
TYPE_CODES = {
    InvoiceKind.INVOICE: "380",
    InvoiceKind.DEPOSIT: "386",
    InvoiceKind.CREDIT_NOTE: "381",
}
EN16931 = "urn:cen.eu:en16931:2017"
SIREN_SCHEME = "0002"
SIRET_SCHEME = "0009"
CREDIT_TRANSFER = "58"  # SEPA credit transfer (UNTDID 4461)
PUBLIC_BUYER_TYPES = ("public_body", "school")  # their invoices go to Chorus Pro
# The reform's mentions, in notes (BT-22) as well as on the PDF.
OPERATION_CATEGORY = "Catégorie de l'opération : prestation de services"
VAT_ON_DEBITS = "Option pour le paiement de la TVA d'après les débits"
VAT_POINT_INVOICE_DATE = "5"  # BT-8 (UNTDID 2475 in CII): VAT due on the invoice's date


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


def _date(parent: Any, tag: str, day: date, dtype: str = "udt") -> None:
    _el(_el(parent, tag), f"{dtype}:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _address(parent: Any, party: dict[str, Any]) -> None:
    address = _el(parent, "ram:PostalTradeAddress")
    if party.get("postal_code"):
        _el(address, "ram:PostcodeCode", party["postal_code"])
    if party.get("address"):
        _el(address, "ram:LineOne", party["address"])
    if party.get("city"):
        _el(address, "ram:CityName", party["city"])
    _el(address, "ram:CountryID", party.get("country") or "FR")


def _seller(agreement: Any, seller: dict[str, Any]) -> None:
    party = _el(agreement, "ram:SellerTradeParty")
    _el(party, "ram:Name", seller["legal_name"])
    legal = _el(party, "ram:SpecifiedLegalOrganization")
    _el(legal, "ram:ID", seller["siren"], schemeID=SIREN_SCHEME)
    _address(party, seller)
    if seller.get("vat_number"):
        tax = _el(party, "ram:SpecifiedTaxRegistration")
        _el(tax, "ram:ID", seller["vat_number"], schemeID="VA")


def _buyer(agreement: Any, buyer: dict[str, Any]) -> None:
    """BT-46 the buyer's SIRET (scheme 0009); BT-47 its SIREN (scheme 0002), the reform's
    mention, except for public buyers: Chorus Pro routes a Factur-X on a SIRET in BT-47."""
    party = _el(agreement, "ram:BuyerTradeParty")
    siret = str(buyer.get("siret") or "")
    if siret:
        _el(party, "ram:GlobalID", siret, schemeID=SIRET_SCHEME)
    _el(party, "ram:Name", buyer["name"])
    if siret:
        legal = _el(party, "ram:SpecifiedLegalOrganization")
        if buyer.get("organisation_type") in PUBLIC_BUYER_TYPES:
            _el(legal, "ram:ID", siret, schemeID=SIRET_SCHEME)
        else:
            _el(legal, "ram:ID", siret[:9], schemeID=SIREN_SCHEME)
    _address(party, buyer)
    if buyer.get("vat_number"):
        tax = _el(party, "ram:SpecifiedTaxRegistration")
        _el(tax, "ram:ID", buyer["vat_number"], schemeID="VA")


def _line(transaction: Any, index: int, row: dict[str, Any]) -> None:
    item = _el(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(index))
    _el(_el(item, "ram:SpecifiedTradeProduct"), "ram:Name", row["description"])
    agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
    price = _el(agreement, "ram:NetPriceProductTradePrice")
    _el(price, "ram:ChargeAmount", money(row["unit_price_cents"]))
    delivery = _el(item, "ram:SpecifiedLineTradeDelivery")
    _el(delivery, "ram:BilledQuantity", str(row["quantity"]), unitCode="C62")
    settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
    tax = _el(settlement, "ram:ApplicableTradeTax")
    _el(tax, "ram:TypeCode", "VAT")
    _el(tax, "ram:CategoryCode", row["vat_category"])
    _el(tax, "ram:RateApplicablePercent", row["vat_rate"])
    summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _el(summation, "ram:LineTotalAmount", money(row["total_excl_vat_cents"]))


def _settlement(transaction: Any, invoice: Invoice) -> None:
    settlement = _el(transaction, "ram:ApplicableHeaderTradeSettlement")
    _el(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    seller = invoice.seller
    if invoice.kind != InvoiceKind.CREDIT_NOTE and seller.get("iban"):
        means = _el(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", CREDIT_TRANSFER)
        account = _el(means, "ram:PayeePartyCreditorFinancialAccount")
        _el(account, "ram:IBANID", seller["iban"].replace(" ", ""))
        if seller.get("bic"):
            bank = _el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution")
            _el(bank, "ram:BICID", seller["bic"])
    for row in invoice.vat_breakdown:
        tax = _el(settlement, "ram:ApplicableTradeTax")
        _el(tax, "ram:CalculatedAmount", money(row["vat_cents"]))
        _el(tax, "ram:TypeCode", "VAT")
        if row.get("exemption_reason"):
            _el(tax, "ram:ExemptionReason", row["exemption_reason"])  # BT-120
        _el(tax, "ram:BasisAmount", money(row["total_excl_vat_cents"]))
        _el(tax, "ram:CategoryCode", row["vat_category"])
        if row.get("exemption_code"):
            _el(tax, "ram:ExemptionReasonCode", row["exemption_code"])  # BT-121
        if seller.get("vat_on_debits"):
            _el(tax, "ram:DueDateTypeCode", VAT_POINT_INVOICE_DATE)  # BT-8
        _el(tax, "ram:RateApplicablePercent", row["vat_rate"])
    terms = _el(settlement, "ram:SpecifiedTradePaymentTerms")
    _el(terms, "ram:Description", payment_terms_text(invoice))
    if invoice.kind != InvoiceKind.CREDIT_NOTE:
        _date(terms, "ram:DueDateDateTime", invoice.due_date)
    summation = _el(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    line_total = sum(row["total_excl_vat_cents"] for row in invoice.lines)
    _el(summation, "ram:LineTotalAmount", money(line_total))
    _el(summation, "ram:TaxBasisTotalAmount", money(invoice.total_excl_vat_cents))
    _el(summation, "ram:TaxTotalAmount", money(invoice.vat_cents), currencyID=invoice.currency)
    _el(summation, "ram:GrandTotalAmount", money(invoice.total_incl_vat_cents))
    _el(summation, "ram:TotalPrepaidAmount", money(invoice.prepaid_cents))
    _el(summation, "ram:DuePayableAmount", money(invoice.amount_due_cents))
    credited = invoice.credited_invoice
    if credited is not None:
        referenced = _el(settlement, "ram:InvoiceReferencedDocument")
        _el(referenced, "ram:IssuerAssignedID", credited.number)
        _date(referenced, "ram:FormattedIssueDateTime", credited.issue_date, "qdt")


def payment_terms_text(invoice: Invoice) -> str:
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return "Avoir imputable sur les sommes dues ou remboursé."
    note = f"{invoice.payment_terms_note} " if invoice.payment_terms_note else ""
    return (
        f"Paiement à {invoice.terms_days} jours, au plus tard le "
        f"{invoice.due_date:%d/%m/%Y}. {note}Pas d'escompte pour paiement anticipé. "
        f"{late_payment_mention(invoice)}. "
        "Indemnité forfaitaire pour frais de recouvrement : 40 €."
    )


def invoice_xml(invoice: Invoice) -> bytes:
    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931)
    document = _el(root, "rsm:ExchangedDocument")
    _el(document, "ram:ID", invoice.number)
    _el(document, "ram:TypeCode", TYPE_CODES[InvoiceKind(invoice.kind)])
    _date(document, "ram:IssueDateTime", invoice.issue_date)
    note = _el(document, "ram:IncludedNote")
    exemptions = [
        row["exemption_reason"] for row in invoice.vat_breakdown if row.get("exemption_reason")
    ]
    # An exempt training invoice states its exemption instead of the seller's VAT regime.
    _el(note, "ram:Content", exemptions[0] if exemptions else invoice.seller["vat_regime_mention"])
    if invoice.reason:
        _el(_el(document, "ram:IncludedNote"), "ram:Content", invoice.reason)
    _el(_el(document, "ram:IncludedNote"), "ram:Content", OPERATION_CATEGORY)
    if invoice.seller.get("vat_on_debits"):
        _el(_el(document, "ram:IncludedNote"), "ram:Content", VAT_ON_DEBITS)

    transaction = _el(root, "rsm:SupplyChainTradeTransaction")
    for index, row in enumerate(invoice.lines, start=1):
        _line(transaction, index, row)
    agreement = _el(transaction, "ram:ApplicableHeaderTradeAgreement")
    buyer = invoice.buyer
    if buyer.get("service_code"):
        _el(agreement, "ram:BuyerReference", buyer["service_code"])  # BT-10
    _seller(agreement, invoice.seller)
    _buyer(agreement, buyer)
    if buyer.get("purchase_order"):
        order = _el(agreement, "ram:BuyerOrderReferencedDocument")  # BT-13
        _el(order, "ram:IssuerAssignedID", buyer["purchase_order"])
    delivery = _el(transaction, "ram:ApplicableHeaderTradeDelivery")
    if buyer.get("delivery_address"):  # BG-15, where the service is delivered
        ship_to = _el(delivery, "ram:ShipToTradeParty")
        _el(ship_to, "ram:Name", buyer["name"])
        address = _el(ship_to, "ram:PostalTradeAddress")
        _el(address, "ram:LineOne", buyer["delivery_address"])
        _el(address, "ram:CountryID", "FR")
    event = _el(delivery, "ram:ActualDeliverySupplyChainEvent")
    _date(event, "ram:OccurrenceDateTime", invoice.service_date)
    _settlement(transaction, invoice)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return xml
