"""The quote by e-mail (PDF attached, the quote's language, a fresh secret link stored hashed),
acceptance with the signed quote attached, and the purchase order after acceptance (numbers and
PDF, stored through Django's storage API, until the final invoice is issued)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from bookings.models import Booking, BookingEvent
from invoicing.services import invoice_issue
from procurement.models import Quote, QuoteDocument, QuoteLink, QuoteStatus, QuoteVersion
from tests.bookings.helpers import bookable_departure
from tests.conftest import CommittingAPIClient, assert_problem
from tests.factories import schedule
from tests.procurement.helpers import certify_service, quote_body, quote_staff, visit_took_place

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/quotes/(D\d{4}-\d{6})\?token=([-_A-Za-z0-9]+)")
PDF = b"%PDF-1.4\n% a signed quote\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def office() -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(quote_staff(username="quotes"))
    return client


def _ask(api: APIClient, **overrides: Any) -> dict[str, Any]:
    departure = bookable_departure(capacity=60)
    if overrides.get("language", "fr") != "fr":
        departure = schedule(departure.itinerary, days=41, capacity=60, language="en")
    response = api.post("/api/v1/quotes/", quote_body(departure, **overrides), format="json")
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _pdf(name: str = "devis-signe.pdf", content: bytes = PDF, kind: str = "application/pdf") -> Any:
    return SimpleUploadedFile(name, content, content_type=kind)


def _accept_with(api: APIClient, quote: dict[str, Any], document: Any, **extra: Any) -> Any:
    return api.post(
        f"/api/v1/quotes/{quote['number']}/accept/",
        {"name": "Claire Martin", "role": "Principale", "statement": "true", "document": document}
        | extra,
        format="multipart",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )


def test_the_quote_is_e_mailed_with_its_pdf_and_a_fresh_secret_link(api: APIClient) -> None:
    quote = _ask(api)
    (message,) = mail.outbox
    assert message.to == [Quote.objects.get().contact_email]
    assert message.subject.startswith(f"Devis {quote['number']}")
    assert "valable jusqu'au" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert name == f"{quote['number']}-v1.pdf" and mimetype == "application/pdf"
    assert content == bytes(QuoteVersion.objects.get().pdf)

    found = LINK.search(message.body)
    assert found and found.group(1) == quote["number"]
    token = found.group(2)
    assert token != quote["token"]
    stored = QuoteLink.objects.get()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash
    read = api.get(f"/api/v1/quotes/{quote['number']}/", HTTP_X_QUOTE_TOKEN=token)
    assert read.status_code == 200 and read.json()["links"]["page"] == f"/quotes/{quote['number']}"
    wrong = api.get(f"/api/v1/quotes/{quote['number']}/", HTTP_X_QUOTE_TOKEN=token[:-2] + "xx")
    assert_problem(wrong, 404, "quote_not_found")


def test_an_english_quote_is_e_mailed_in_english_and_revisions_and_extensions_too(
    api: APIClient, office: APIClient
) -> None:
    quote = _ask(api, language="en")
    assert mail.outbox[0].subject.startswith(f"Quote {quote['number']}")
    assert "valid until" in mail.outbox[0].body
    departure = Quote.objects.get().versions.get().departure
    body = quote_body(departure, language="en", categories={"pupils": 12, "adults": 0, "staff": 2})
    assert (
        office.post(f"/api/v1/quotes/{quote['number']}/revise/", body, format="json").status_code
        == 200
    )
    revised = mail.outbox[1]
    assert revised.subject == f"Quote {quote['number']} revised (version 2)"
    assert revised.attachments[0][0] == f"{quote['number']}-v2.pdf"
    assert revised.attachments[0][1] == bytes(QuoteVersion.objects.get(version=2).pdf)
    extend = office.post(f"/api/v1/quotes/{quote['number']}/extend/", {"days": 7}, format="json")
    assert extend.status_code == 200
    assert mail.outbox[2].subject.startswith(f"Quote {quote['number']} extended until")
    assert QuoteLink.objects.count() == 3  # one fresh link per e-mail


def test_acceptance_with_the_signed_quote_stores_it_and_answers_the_booking_link(
    api: APIClient,
) -> None:
    quote = _ask(api)
    response = _accept_with(api, quote, _pdf())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    booking = Booking.objects.get()
    assert body["booking_page"] == f"/bookings/{booking.reference}?token={body['booking_token']}"
    opened = api.get(
        f"/api/v1/bookings/{booking.reference}/", HTTP_X_BOOKING_TOKEN=body["booking_token"]
    )
    assert opened.status_code == 200 and opened.json()["status"] == "confirmed"
    document = QuoteDocument.objects.get()
    assert document.kind == "signed_quote" and document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    assert default_storage.exists(document.file.name)
    assert "devis-signe" not in str(document.file.name)  # never the buyer's file name
    with default_storage.open(document.file.name) as stored:
        assert stored.read() == PDF
    assert body["documents"] == [
        {
            "kind": "signed_quote",
            "sha256": document.sha256,
            "size": len(PDF),
            "uploaded_at": body["documents"][0]["uploaded_at"],
        }
    ]


def test_the_buyer_and_staff_download_an_uploaded_document_checked_against_its_hash(
    api: APIClient, office: APIClient
) -> None:
    quote = _ask(api)
    assert _accept_with(api, quote, _pdf()).status_code == 200
    document = QuoteDocument.objects.get()
    url = f"/api/v1/quotes/{quote['number']}/documents/{document.sha256}.pdf"
    mine = api.get(url, HTTP_X_QUOTE_TOKEN=quote["token"])
    assert mine.status_code == 200 and mine.content == PDF
    assert mine["Content-Type"] == "application/pdf"
    assert mine["Cache-Control"] == "private, no-store"
    assert office.get(url).content == PDF
    # Without the token, with another hash: nothing to see.
    assert_problem(api.get(url), 404, "quote_not_found")
    other = f"/api/v1/quotes/{quote['number']}/documents/{'0' * 64}.pdf"
    assert_problem(api.get(other, HTTP_X_QUOTE_TOKEN=quote["token"]), 404, "quote_not_found")
    # Altered or lost in the storage: refused, never served as something else.
    with default_storage.open(document.file.name, "wb") as stored:
        stored.write(b"%PDF-1.4 something else")
    refused = api.get(url, HTTP_X_QUOTE_TOKEN=quote["token"])
    assert_problem(refused, 503, "quote_document_unavailable")
    default_storage.delete(document.file.name)
    refused = api.get(url, HTTP_X_QUOTE_TOKEN=quote["token"])
    assert_problem(refused, 503, "quote_document_unavailable")


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (lambda: _pdf("devis.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"), "document_not_pdf"),
        (lambda: _pdf("devis.png", PDF, "image/png"), "document_not_pdf"),
        (lambda: _pdf("big.pdf", PDF + b"0" * 2048), "document_too_large"),
    ],
)
def test_a_wrong_document_is_refused_and_nothing_changes(
    api: APIClient, settings: Any, upload: Any, code: str
) -> None:
    settings.QUOTE_UPLOAD_MAX_BYTES = 1024
    quote = _ask(api)
    assert_problem(_accept_with(api, quote, upload()), 400, code, "document")
    assert Quote.objects.get().status == QuoteStatus.SENT
    assert not Booking.objects.exists() and not QuoteDocument.objects.exists()


def test_a_body_over_the_upload_limit_is_refused_before_the_view(
    api: APIClient, settings: Any
) -> None:
    quote = _ask(api)
    settings.UPLOAD_BODY_LIMITS = [(r"^/api/v1/quotes/", 4096)]
    response = _accept_with(api, quote, _pdf("big.pdf", PDF + b"0" * 8192))
    assert_problem(response, 413, "body_too_large")
    assert not Booking.objects.exists()


def test_the_purchase_order_follows_until_the_invoice_is_issued(api: APIClient) -> None:
    quote = _ask(api)
    url = f"/api/v1/quotes/{quote['number']}/purchase-order/"
    early = api.post(
        url, {"purchase_order_number": "BC-1"}, format="json", HTTP_X_QUOTE_TOKEN=quote["token"]
    )
    assert_problem(early, 400, "document_required", "document")
    assert _accept_with(api, quote, _pdf()).status_code == 200

    saved = api.post(
        url,
        {
            "purchase_order_number": "BC-2026-118",
            "commitment_number": "EJ-0042",
            "document": _pdf("bc.pdf"),
        },
        format="multipart",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert (body["purchase_order_number"], body["commitment_number"]) == ("BC-2026-118", "EJ-0042")
    assert [d["kind"] for d in body["documents"]] == ["signed_quote", "purchase_order"]
    booking = Booking.objects.get()
    assert booking.purchase_order == "EJ-0042"  # what the invoice prints and Chorus Pro checks
    assert BookingEvent.objects.filter(booking=booking, action="purchase_order_set").exists()

    visit_took_place(booking)
    certify_service(Quote.objects.get())  # a public buyer is invoiced after the service fait
    invoice_issue(booking=booking, kind="full")
    late = api.post(
        url, {"commitment_number": "EJ-0043"}, format="json", HTTP_X_QUOTE_TOKEN=quote["token"]
    )
    assert_problem(late, 409, "invoice_issued")
    assert Quote.objects.get().commitment_number == "EJ-0042"
    assert (
        api.get(f"/api/v1/quotes/{quote['number']}/", HTTP_X_QUOTE_TOKEN=quote["token"]).json()[
            "invoice_issued"
        ]
        is True
    )


def test_the_signed_quote_through_the_purchase_order_endpoint_accepts_it(api: APIClient) -> None:
    quote = _ask(api)
    url = f"/api/v1/quotes/{quote['number']}/purchase-order/"
    missing = api.post(
        url, {"document": _pdf()}, format="multipart", HTTP_X_QUOTE_TOKEN=quote["token"]
    )
    assert_problem(missing, 400, "required", "name")
    response = api.post(
        url,
        {
            "document": _pdf(),
            "name": "Claire Martin",
            "role": "Principale",
            "statement": "true",
            "purchase_order_number": "BC-7",
        },
        format="multipart",
        HTTP_X_QUOTE_TOKEN=quote["token"],
    )
    assert response.status_code == 200, response.content
    stored = Quote.objects.get()
    assert stored.status == QuoteStatus.ACCEPTED and stored.purchase_order_number == "BC-7"
    assert QuoteDocument.objects.get().kind == "purchase_order"
