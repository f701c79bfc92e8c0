"""Certified delivery (service fait) and the invoice of a quoted booking: staff certify once,
after the visit; a public buyer's invoice waits for it; the invoice states the quote's terms,
its due date and the commitment number, in the PDF and the Factur-X XML read back."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

import facturx
import pytest
from django.test import Client
from django.utils import timezone
from lxml import etree
from rest_framework.test import APIClient

from bookings.models import Booking
from invoicing.cii import NS
from invoicing.models import Invoice, InvoiceSequence
from invoicing.services import InvoiceTerms, _due_date, seller_profile_get
from procurement.models import PaymentTerms, Quote, QuoteEvent, ServiceCertification
from tests.bookings.helpers import bookable_departure
from tests.conftest import assert_problem
from tests.invoicing.helpers import issue, pdf_text
from tests.invoicing.schematron import fatal_failures
from tests.procurement.helpers import quote_body, quote_staff, visit_took_place

pytestmark = pytest.mark.django_db


def _accepted(
    api: APIClient, departure: Any = None, **overrides: Any
) -> tuple[dict[str, Any], Booking]:
    departure = departure or bookable_departure()
    created = api.post("/api/v1/quotes/", quote_body(departure, **overrides), format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    accepted = api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Directrice", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert accepted.status_code == 200, accepted.content
    return quote, Booking.objects.get(reference=accepted.json()["booking"])


def _service_done(client: APIClient, number: str) -> Any:
    return client.post(f"/api/v1/quotes/{number}/service-done/", format="json")


def test_staff_certify_the_service_once_after_the_visit_with_who_and_when(
    api: APIClient, staff_api: APIClient, staff: Any
) -> None:
    quote, booking = _accepted(api)
    number = quote["number"]

    early = _service_done(staff_api, number)
    assert_problem(early, 409, "visit_not_yet_delivered")
    assert not ServiceCertification.objects.exists()

    visit_took_place(booking)
    assert _service_done(api, number).status_code in (401, 403)  # the group may not
    before = timezone.now()
    done = _service_done(staff_api, number)
    assert done.status_code == 201, done.content
    certification = ServiceCertification.objects.get(quote__number=number)
    assert certification.certified_by == staff
    assert before <= certification.certified_at <= timezone.now()
    assert done.json()["service_certified_at"] is not None

    again = _service_done(staff_api, number)  # idempotent: the first record stays
    assert again.status_code == 200
    assert ServiceCertification.objects.get().certified_at == certification.certified_at
    events = QuoteEvent.objects.filter(quote__number=number, action="service_certified")
    assert [event.actor for event in events] == [staff]
    # The buyer reads when it was certified on the quote's page, not who certified it.
    read = api.get(f"/api/v1/quotes/{number}/", HTTP_X_QUOTE_TOKEN=quote["token"]).json()
    assert read["service_certified_at"] == again.json()["service_certified_at"]


def test_an_open_quote_has_no_service_to_certify(api: APIClient, staff_api: APIClient) -> None:
    created = api.post("/api/v1/quotes/", quote_body(bookable_departure()), format="json")
    assert_problem(_service_done(staff_api, created.json()["number"]), 409, "quote_not_accepted")
    assert not ServiceCertification.objects.exists()


def test_a_public_buyers_invoice_waits_for_the_certified_service(
    api: APIClient, staff_api: APIClient
) -> None:
    quote, booking = _accepted(api)
    visit_took_place(booking)
    counters = list(InvoiceSequence.objects.values_list("last_number", flat=True))

    refused = issue(staff_api, booking, "full")

    problem = assert_problem(refused, 409, "service_not_certified", "booking")
    assert problem["quote"] == quote["number"]
    assert not Invoice.objects.exists()
    assert list(InvoiceSequence.objects.values_list("last_number", flat=True)) == counters
    assert _service_done(staff_api, quote["number"]).status_code == 201
    assert issue(staff_api, booking, "full").status_code == 201


def test_the_invoice_states_the_quotes_terms_due_date_and_commitment_in_pdf_and_xml(
    api: APIClient, staff_api: APIClient
) -> None:
    # The seller gives public bodies 20 days (the seller profile says 30): the quote freezes it.
    PaymentTerms.objects.filter(organisation_type="public_body").update(days_after_invoice=20)
    assert seller_profile_get().payment_terms_days == 30
    quote, booking = _accepted(api)
    order = api.post(
        f"/api/v1/quotes/{quote['number']}/purchase-order/",
        {"purchase_order_number": "BC-2026-118", "commitment_number": "EJ-0042"},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert order.status_code == 200, order.content
    visit_took_place(booking, days_ago=2)
    assert _service_done(staff_api, quote["number"]).status_code == 201

    invoice = issue(staff_api, booking, "full").json()

    today = timezone.localdate()
    due = today + timedelta(days=20)
    row = Invoice.objects.get(number=invoice["number"])
    assert (row.due_date, row.payment_terms_days) == (due, 20)
    pdf = bytes(staff_api.get(f"/api/v1/invoices/{invoice['number']}/pdf").content)
    text = " ".join(pdf_text(pdf).split())
    assert f"Date d'échéance : {due:%d/%m/%Y}" in text
    assert f"à 20 jours, échéance le {due:%d/%m/%Y}" in text
    assert "N° de bon de commande / engagement : EJ-0042" in text
    assert f"Devis {quote['number']} : paiement par virement" in text
    assert f"constatation du service fait le {today:%d/%m/%Y}" in text

    _name, xml = facturx.get_facturx_xml_from_pdf(pdf)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert fatal_failures(xml) == []
    tree = etree.fromstring(xml)

    def texts(path: str) -> list[str]:
        return [node.text for node in tree.xpath(path, namespaces=NS)]

    terms = "//ram:SpecifiedTradePaymentTerms"
    assert texts(f"{terms}/ram:DueDateDateTime/udt:DateTimeString") == [f"{due:%Y%m%d}"]
    assert texts("//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == ["EJ-0042"]
    assert texts("//ram:BuyerReference") == ["SERV-01"]
    (description,) = texts(f"{terms}/ram:Description")
    assert description.startswith(f"Paiement à 20 jours, au plus tard le {due:%d/%m/%Y}.")
    assert quote["number"] in description


def test_a_companys_quoted_booking_is_invoiced_without_certification_on_its_terms(
    api: APIClient, staff_api: APIClient
) -> None:
    PaymentTerms.objects.filter(organisation_type="company").update(days_after_invoice=45)
    departure = bookable_departure()
    organisation = {**quote_body(departure)["organisation"], "type": "company", "name": "Énergies"}
    quote, booking = _accepted(api, departure, organisation=organisation)

    invoice = issue(staff_api, booking, "full")

    assert invoice.status_code == 201, invoice.content
    row = Invoice.objects.get(number=invoice.json()["number"])
    assert row.due_date == timezone.localdate() + timedelta(days=45)
    assert row.payment_terms_note == (
        f"Devis {quote['number']} : paiement par carte ou par virement."
    )


def test_the_period_runs_from_the_later_of_receipt_and_certification_at_most_30_days() -> None:
    seller = seller_profile_get()
    booking = Booking(organisation_type="public_body")
    issued = date(2026, 6, 1)
    later = InvoiceTerms(days=30, runs_from=date(2026, 6, 10))
    assert _due_date(issued, seller, booking, "full", later) == date(2026, 7, 10)
    earlier = InvoiceTerms(days=30, runs_from=date(2026, 5, 20))
    assert _due_date(issued, seller, booking, "full", earlier) == date(2026, 7, 1)
    # Whatever a contribution says, a public body pays within 30 days at most.
    assert _due_date(issued, seller, booking, "full", InvoiceTerms(days=60)) == date(2026, 7, 1)
    assert _due_date(issued, seller, booking, "full", None) == date(2026, 7, 1)


def test_the_admin_action_certifies_the_selected_quotes_and_reports_refusals(
    api: APIClient,
) -> None:
    departure = bookable_departure()
    small = {"pupils": 4, "adults": 0, "staff": 1}
    open_quote = api.post("/api/v1/quotes/", quote_body(departure, categories=small), format="json")
    assert open_quote.status_code == 201, open_quote.content
    done, booking = _accepted(api, departure)
    visit_took_place(booking)
    user = quote_staff(username="admin-certifier")
    client = Client()
    client.force_login(user)
    ids = [str(pk) for pk in Quote.objects.values_list("pk", flat=True)]

    answer = client.post(
        "/admin/procurement/quote/",
        {"action": "certify_service", "_selected_action": ids},
        follow=True,
    )

    page = html.unescape(answer.content.decode())  # the admin speaks French
    assert answer.status_code == 200
    assert "1 service fait constaté (0 l'étaient déjà)." in page
    assert f"{open_quote.json()['number']}:" in page  # refused, named
    certification = ServiceCertification.objects.get()
    assert (certification.quote.number, certification.certified_by) == (done["number"], user)
    detail = client.get(f"/admin/procurement/quote/{certification.quote.pk}/change/")
    assert "admin-certifier" in detail.content.decode()
