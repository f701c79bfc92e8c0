"""Certified delivery with the actual attendance (issue 16, item 4): staff record who came
(from the guide's check-in when there is one), which certifies the quote's service and issues
the final invoice; the certificate of delivery is read back as text, in French and English."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from typing import Any

import facturx
import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from bookings.models import Booking, BookingEvent, BookingStatus, Participant
from invoicing.models import Invoice, InvoiceSequence
from procurement.models import Delivery, QuoteEvent, ServiceCertification
from tests.bookings.helpers import bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.factories import StaffFactory
from tests.guides.helpers import make_guide
from tests.invoicing.helpers import confirmed_booking, issue, settle_deposit_invoices
from tests.invoicing.schematron import fatal_failures
from tests.procurement.helpers import quote_body, visit_took_place
from visits.models import CheckIn

pytestmark = pytest.mark.django_db

SCHOOL = {"pupils": 28, "adults": 0, "staff": 3}


def delivery_staff(username: str = "delivery-office", invoicing: bool = True) -> Any:
    """Staff who record deliveries (and, unless told otherwise, issue invoices)."""
    user = StaffFactory(username=username, groups=[])
    perms = ["view_quote", "change_quote", "add_delivery", "view_delivery"]
    rows = Permission.objects.filter(content_type__app_label="procurement", codename__in=perms)
    if invoicing:
        rows = rows | Permission.objects.filter(
            content_type__app_label="invoicing", codename__in=["issue_invoice", "view_invoice"]
        )
    user.user_permissions.set(rows)
    return user


@pytest.fixture
def office() -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(delivery_staff())
    return client


def accepted_quote(
    api: APIClient, *, order: bool = True, **overrides: Any
) -> tuple[dict[str, Any], Booking]:
    departure = bookable_departure(capacity=40, max_participants=40)
    body = quote_body(departure, categories=SCHOOL, **overrides)
    body["organisation"] = {**body["organisation"], "type": "school", "name": "Collège Jaurès"}
    created = api.post("/api/v1/quotes/", body, format="json")
    assert created.status_code == 201, created.content
    quote = created.json()
    accepted = api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Principale", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert accepted.status_code == 200, accepted.content
    quote["booking_token"] = accepted.json()["booking_token"]
    if order:
        given = api.post(
            f"/api/v1/quotes/{quote['number']}/purchase-order/",
            {"purchase_order_number": "BC-2026-118", "commitment_number": "EJ-0042"},
            format="json",
            HTTP_X_QUOTE_TOKEN=quote["token"],
        )
        assert given.status_code == 200, given.content
    return quote, Booking.objects.get(reference=accepted.json()["booking"])


def post(client: APIClient, booking: Booking, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/v1/bookings/{booking.reference}/delivery/", body or {}, format="json")


def text_of(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, on one line."""
    pdftotext = shutil.which("pdftotext") or "/usr/bin/pdftotext"
    done = subprocess.run(  # noqa: S603  (a fixed tool, our own bytes)
        [pdftotext, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def nothing_written() -> None:
    assert not Delivery.objects.exists()
    assert not ServiceCertification.objects.exists()
    assert not Invoice.objects.exists()


def test_refusals_are_problems_and_write_nothing(api: APIClient, office: APIClient) -> None:
    quote, booking = accepted_quote(api)
    attendance = {"attendance": {"pupils": 27, "adults": 0, "staff": 3}}

    assert_problem(post(office, booking, attendance), 409, "visit_not_yet_delivered")
    visit_took_place(booking)
    over = {"attendance": {"pupils": 30, "adults": 0, "staff": 3}}
    assert_problem(post(office, booking, over), 400, "attendance_over_head_count", "attendance")
    negative = {"attendance": {"pupils": -1, "staff": 3}}
    assert_problem(post(office, booking, negative), 400, "min_value", "attendance.pupils")
    nobody = {"attendance": {"pupils": 0, "adults": 0, "staff": 0}}
    assert_problem(post(office, booking, nobody), 400, "attendance_empty", "attendance")
    # No figures given and no check-in to take them from.
    assert_problem(post(office, booking), 400, "attendance_required", "attendance")
    # The group's token reads, never records; staff without the permission neither.
    as_group = api.post(
        f"/api/v1/bookings/{booking.reference}/delivery/",
        attendance,
        format="json",
        HTTP_X_BOOKING_TOKEN=quote["booking_token"],
    )
    assert as_group.status_code in (401, 403)
    powerless = CommittingAPIClient()
    powerless.force_authenticate(StaffFactory(username="nobody", groups=[]))
    assert post(powerless, booking, attendance).status_code == 403
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    assert_problem(post(office, booking, attendance), 409, "booking_not_confirmed", "booking")
    nothing_written()


def test_delivery_certifies_the_quote_and_issues_the_final_invoice_due_in_30_days(
    api: APIClient, office: APIClient
) -> None:
    quote, booking = accepted_quote(api)
    visit_took_place(booking)
    before = office.get(f"/api/v1/bookings/{booking.reference}/delivery/").json()
    assert before["booked"] == {"pupils": 28, "adults": 0, "staff": 3, "total": 31}
    assert (before["delivered"], before["check_in"], before["quote"]) == (
        False,
        None,
        quote["number"],
    )

    done = post(office, booking, {"attendance": {"pupils": 26, "staff": 3}})

    assert done.status_code == 201, done.content
    answer = done.json()
    assert answer["delivery"]["attendance"] == {"pupils": 26, "adults": 0, "staff": 3, "total": 29}
    assert answer["delivery"]["from_check_in"] is False
    assert answer["invoice_pending"] is None
    certification = ServiceCertification.objects.get(quote__number=quote["number"])
    assert certification.certified_by.username == "delivery-office"
    actions = list(
        QuoteEvent.objects.filter(quote__number=quote["number"]).values_list("action", flat=True)
    )
    assert actions[-2:] == ["service_certified", "delivered"]
    event = BookingEvent.objects.get(booking=booking, action="delivered")
    assert (event.data["total"], event.actor.username) == (29, "delivery-office")

    # The final invoice: the quote, the order and commitment numbers, the service code, 30 days.
    invoice = Invoice.objects.get(number=answer["invoice"]["number"])
    today = timezone.localdate()
    assert invoice.due_date == today + timedelta(days=30)
    assert answer["invoice"]["due_date"] == invoice.due_date.isoformat()
    assert quote["number"] in invoice.payment_terms_note
    assert "bon de commande BC-2026-118, engagement EJ-0042" in invoice.payment_terms_note
    assert invoice.buyer["purchase_order"] == "EJ-0042"
    assert invoice.buyer["service_code"] == "SERV-01"
    pdf = bytes(office.get(answer["invoice"]["pdf_url"]).content)
    text = text_of(pdf)
    assert "BC-2026-118" in text and "EJ-0042" in text and quote["number"] in text
    _name, xml = facturx.get_facturx_xml_from_pdf(pdf)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    assert fatal_failures(xml) == []

    # Again with the same figures: the first record; other figures: a clear refusal.
    again = post(office, booking, {"attendance": {"pupils": 26, "staff": 3}})
    assert again.status_code == 200
    assert again.json()["invoice"]["number"] == invoice.number
    other = post(office, booking, {"attendance": {"pupils": 28, "staff": 3}})
    assert_problem(other, 409, "already_delivered", "attendance")
    assert (Delivery.objects.count(), Invoice.objects.count()) == (1, 1)


def test_the_certificate_reads_back_in_french_for_staff_group_and_quote(
    api: APIClient, office: APIClient
) -> None:
    quote, booking = accepted_quote(api)
    visit_took_place(booking)
    assert post(office, booking, {"attendance": {"pupils": 26, "staff": 3}}).status_code == 201
    url = f"/api/v1/bookings/{booking.reference}/delivery.pdf"

    pdf = office.get(url)
    assert pdf["Content-Type"] == "application/pdf"
    text = text_of(bytes(pdf.content))

    starts = timezone.localtime(booking.departure.starts_at)
    for expected in (
        "Attestation de service fait",
        "Collège Jaurès",
        f"{quote['number']} — version 1",
        "Bon de commande BC-2026-118",
        "N° d'engagement EJ-0042",
        "Code service (Chorus Pro) SERV-01",
        booking.departure.itinerary.title,
        f"de {starts.hour} h {starts.minute:02d} à",
        "(heure de Paris)",
        "Élèves ou étudiants 28 26",
        "Accompagnateurs 3 3",
        "Total 31 29",
        f"conformément au devis {quote['number']} v1",
        "par delivery-office",
    ):
        assert expected in text, (expected, text)
    # The group's booking link and the quote's link open it too; a wrong token does not.
    group = api.get(url, HTTP_X_BOOKING_TOKEN=quote["booking_token"])
    assert group.status_code == 200 and group.content.startswith(b"%PDF-")
    by_quote = api.get(f"/api/v1/quotes/{quote['number']}/delivery.pdf?token={quote['token']}")
    assert by_quote.status_code == 200
    read = api.get(f"/api/v1/quotes/{quote['number']}/", HTTP_X_QUOTE_TOKEN=quote["token"])
    assert read.json()["links"]["delivery_certificate"].endswith("/delivery.pdf")
    assert api.get(url, HTTP_X_BOOKING_TOKEN="wrong").status_code == 404
    page = api.get(
        f"/api/v1/bookings/{booking.reference}/delivery/",
        HTTP_X_BOOKING_TOKEN=quote["booking_token"],
    ).json()
    assert page["delivered"] and page["invoice"] is None  # the group's page: no staff details
    assert "recorded_by" not in page["delivery"]


def test_an_english_visit_gets_an_english_certificate(api: APIClient, office: APIClient) -> None:
    departure = bookable_departure(capacity=40, max_participants=40)
    departure.language = "en"
    departure.save(update_fields=["language"])
    body = quote_body(departure, categories=SCHOOL, language="en")
    created = api.post("/api/v1/quotes/", body, format="json").json()
    accepted = api.post(
        f"/api/v1/quotes/{created['number']}/accept/",
        {"name": "Jane Doe", "role": "Head", "statement": True},
        format="json",
        HTTP_X_QUOTE_TOKEN=created["token"],
    )
    booking = Booking.objects.get(reference=accepted.json()["booking"])
    visit_took_place(booking)
    done = post(office, booking, {"attendance": {"pupils": 28, "staff": 2}, "issue_invoice": False})
    assert done.status_code == 201, done.content
    assert done.json()["invoice"] is None
    text = text_of(bytes(office.get(f"/api/v1/bookings/{booking.reference}/delivery.pdf").content))
    for expected in ("Certificate of delivery", "(Paris time)", "Pupils or students 28 28"):
        assert expected in text, (expected, text)
    assert "Accompanying staff 3 2" in text


def test_the_guides_check_in_gives_the_figures(api: APIClient, office: APIClient) -> None:
    _quote, booking = accepted_quote(api)
    visit_took_place(booking)
    guide = make_guide()
    start = booking.departure.starts_at
    # Named participants: two pupils and a teacher present, one pupil absent.
    names = [
        ("Lina", "pupil", True),
        ("Hugo", "pupil", True),
        ("Mme B.", "accompanying_staff", True),
    ]
    names.append(("Zoé", "pupil", False))
    for index, (name, category, present) in enumerate(names):
        person = Participant.objects.create(
            booking=booking, name=name, category=category, entered_by="organiser"
        )
        CheckIn.objects.create(
            departure=booking.departure,
            booking=booking,
            participant=person,
            present=present,
            at=start + timedelta(minutes=index),
            client_id=f"tick-{index}",
            guide=guide,
        )

    read = office.get(f"/api/v1/bookings/{booking.reference}/delivery/").json()
    assert read["check_in"]["named_present"] == 3 and read["check_in"]["named_absent"] == 1
    assert read["check_in_attendance"] == {"pupils": 2, "adults": 0, "staff": 1, "total": 3}

    done = post(office, booking)

    assert done.status_code == 201, done.content
    assert done.json()["delivery"]["attendance"]["total"] == 3
    assert done.json()["delivery"]["from_check_in"] is True
    text = text_of(bytes(office.get(f"/api/v1/bookings/{booking.reference}/delivery.pdf").content))
    assert "relevés par le guide" in text


def test_a_group_counted_without_names_at_its_head_count_is_split_as_booked(
    api: APIClient, office: APIClient
) -> None:
    _quote, booking = accepted_quote(api)
    visit_took_place(booking)
    CheckIn.objects.create(
        departure=booking.departure,
        booking=booking,
        count=31,
        at=booking.departure.starts_at,
        client_id="count-1",
        guide=make_guide(),
    )
    done = post(office, booking)
    assert done.status_code == 201, done.content
    assert done.json()["delivery"]["attendance"] == {
        "pupils": 28,
        "adults": 0,
        "staff": 3,
        "total": 31,
    }


def test_the_invoice_waits_for_the_commitment_number_then_follows_it(
    api: APIClient, office: APIClient
) -> None:
    quote, booking = accepted_quote(api, order=False)  # "a commitment number will follow"
    visit_took_place(booking)
    counters = list(InvoiceSequence.objects.values_list("last_number", flat=True))

    done = post(office, booking, {"attendance": {"pupils": 28, "staff": 3}})

    assert done.status_code == 201
    assert done.json()["invoice"] is None
    assert done.json()["invoice_pending"]["code"] == "commitment_number_missing"
    assert ServiceCertification.objects.count() == 1 and not Invoice.objects.exists()
    assert list(InvoiceSequence.objects.values_list("last_number", flat=True)) == counters
    api.post(
        f"/api/v1/quotes/{quote['number']}/purchase-order/",
        {"commitment_number": "EJ-0099"},
        format="json",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    again = post(office, booking, {"attendance": {"pupils": 28, "staff": 3}})
    assert again.status_code == 200
    invoice = Invoice.objects.get(number=again.json()["invoice"]["number"])
    assert invoice.buyer["purchase_order"] == "EJ-0099"


def test_staff_who_may_not_invoice_record_the_delivery_and_the_invoice_waits(
    api: APIClient,
) -> None:
    _quote, booking = accepted_quote(api)
    visit_took_place(booking)
    client = CommittingAPIClient()
    client.force_authenticate(delivery_staff("no-invoicing", invoicing=False))
    done = post(client, booking, {"attendance": {"pupils": 28, "staff": 3}})
    assert done.status_code == 201, done.content
    assert done.json()["invoice_pending"]["code"] == "invoice_permission_required"
    assert not Invoice.objects.exists()


def test_a_booking_made_without_a_quote_is_delivered_and_its_deposit_deducted(
    office: APIClient, staff_api: APIClient
) -> None:
    booking = confirmed_booking()  # a public body's invoice booking, 18 people, 30 % deposit
    accounting = CommittingAPIClient()
    accounting.force_authenticate(delivery_staff("accountant"))
    assert issue(accounting, booking, "deposit").status_code == 201
    visit_took_place(booking)

    unpaid = post(office, booking, {"attendance": {"adults": 17}})
    assert unpaid.status_code == 201, unpaid.content
    assert unpaid.json()["invoice_pending"]["code"] == "deposit_invoice_unpaid"
    assert unpaid.json()["quote"] is None and unpaid.json()["booked"] is None
    settle_deposit_invoices(booking)
    paid = post(office, booking, {"attendance": {"adults": 17}})

    final = Invoice.objects.get(number=paid.json()["invoice"]["number"])
    assert final.purpose == "final"
    deposit = Invoice.objects.get(kind="deposit")
    assert final.deposits_deducted_cents == deposit.total_incl_vat_cents
    text = text_of(bytes(office.get(f"/api/v1/bookings/{booking.reference}/delivery.pdf").content))
    assert "Adultes — 17" in text and "Total 18 17" in text


def test_the_admin_form_records_the_delivery_through_the_same_service(api: APIClient) -> None:
    from django.test import Client

    quote, booking = accepted_quote(api)
    visit_took_place(booking)
    from procurement.models import Quote

    pk = Quote.objects.get(number=quote["number"]).pk
    client = Client()
    client.force_login(delivery_staff())
    url = f"/admin/procurement/quote/{pk}/delivery/"

    form = client.get(url).content.decode()
    assert 'name="pupils" value="28"' in form and 'name="staff" value="3"' in form
    over = client.post(url, {"pupils": 30, "adults": 0, "staff": 3, "issue_invoice": "on"})
    assert over.status_code == 200
    assert "31" in over.content.decode() and not Delivery.objects.exists()

    done = client.post(url, {"pupils": 27, "adults": 0, "staff": 3, "issue_invoice": "on"})

    assert done.status_code == 302
    delivery = Delivery.objects.get()
    assert (delivery.attended, delivery.recorded_by.username) == (30, "delivery-office")
    invoice = Invoice.objects.get()
    page = client.get(f"/admin/procurement/quote/{pk}/change/").content.decode()
    assert invoice.number in page  # the message after the redirect
    assert 'id="delivery-certificate"' in page
    pdf = client.get(f"/admin/procurement/delivery/{delivery.pk}/pdf/")
    assert "Élèves ou étudiants 28 27" in text_of(pdf.content)
