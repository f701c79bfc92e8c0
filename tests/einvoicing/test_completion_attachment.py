"""Completing a suspended invoice at Chorus Pro with a complementary PDF: uploaded first
(``/cpro/transverses/v1/ajouter/fichier``), then referenced by the completion
(``/cpro/factures/v1/completer``, ``pieceJointeComplementaire``); through the API (multipart)
and the admin's form on the delivery's page. The real client runs against the fake portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from einvoicing.models import Delivery, DeliveryStatus
from tests.conftest import assert_problem
from tests.einvoicing.test_suspension_and_credit_notes import ASKED, _suspended
from tests.factories import StaffFactory
from tests.fakes.chorus_pro import FakeChorusPro

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
COMMENT = "Numéro d'engagement : EJ-2026-0042, bon de commande joint"
ATTACH = "/cpro/transverses/v1/ajouter/fichier"


def _post(staff_api: Any, number: str, name: str, content: bytes) -> Any:
    return staff_api.post(
        f"/api/v1/invoices/{number}/delivery/completion/",
        {"comment": COMMENT, "attachment": SimpleUploadedFile(name, content, "application/pdf")},
        format="multipart",
    )


def test_a_pdf_is_uploaded_then_referenced_by_the_completion(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    invoice = _suspended(staff_api, chorus_pro)
    response = _post(staff_api, invoice.number, "C:\\Users\\office\\Bon de commande.pdf", PDF)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "made_available"
    portal = chorus_pro.invoices[invoice.number]
    assert portal.status == "COMPLETEE" and portal.completions == [COMMENT]
    assert portal.complements == [[("Bon de commande.pdf", "AUTRE", PDF)]]
    (upload,) = chorus_pro.calls(ATTACH)
    assert (upload["pieceJointeTypeMime"], upload["pieceJointeExtension"]) == (
        "application/pdf",
        "PDF",
    )
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.history[-1]["reason"] == (  # in the office's language (French)
        f"Complétée : {COMMENT} (pièce jointe : Bon de commande.pdf)"
    )
    assert len(chorus_pro.fluxes) == 1  # nothing deposited again


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("facture.pdf", b"PK\x03\x04 a zip file named .pdf", "attachment_not_pdf"),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "attachment_not_pdf"),
        ("empty.pdf", b"", "validation_error"),  # DRF refuses an empty upload itself
        ("big.pdf", PDF + b"0" * 2000, "attachment_too_large"),
    ],
)
def test_a_wrong_file_is_refused_and_nothing_reaches_the_portal(
    staff_api: Any, chorus_pro: FakeChorusPro, settings: Any, name: str, content: bytes, code: str
) -> None:
    settings.EINVOICING_ATTACHMENT_MAX_BYTES = 1000
    invoice = _suspended(staff_api, chorus_pro)
    response = _post(staff_api, invoice.number, name, content)
    assert_problem(response, 400, code, "attachment")
    assert chorus_pro.calls(ATTACH) == [] and chorus_pro.invoices[invoice.number].completions == []
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.SUSPENDED


def _admin(**kw: Any) -> Client:
    """A superuser by default (no shipped group views deliveries in the admin yet)."""
    client = Client()
    kw.setdefault("is_superuser", True)
    client.force_login(StaffFactory(username="compta", **kw))
    return client


def test_the_admin_form_completes_with_a_pdf_and_says_what_is_wrong(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    invoice = _suspended(staff_api, chorus_pro)
    delivery = Delivery.objects.get(invoice=invoice)
    admin = _admin()
    page = admin.get(f"/admin/einvoicing/delivery/{delivery.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="complete-delivery"' in page.content.decode()
    url = f"/admin/einvoicing/delivery/{delivery.pk}/complete/"
    form = admin.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ASKED.replace("'", "&#x27;") in form and 'enctype="multipart/form-data"' in form

    wrong = admin.post(
        url,
        {"comment": COMMENT, "attachment": SimpleUploadedFile("x.pdf", b"GIF89a", "image/gif")},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert wrong.status_code == 200
    assert "n&#x27;est pas un PDF" in wrong.content.decode()
    no_comment = admin.post(url, {"comment": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert "This field is required." in no_comment.content.decode()
    assert chorus_pro.calls(ATTACH) == []

    done = admin.post(
        url,
        {"comment": COMMENT, "attachment": SimpleUploadedFile("EJ.pdf", PDF, "application/pdf")},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert done.status_code == 302
    assert chorus_pro.invoices[invoice.number].complements == [[("EJ.pdf", "AUTRE", PDF)]]
    page = admin.get(f"/admin/einvoicing/delivery/{delivery.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert "completed at Chorus Pro" in page.content.decode()
    assert 'id="complete-delivery"' not in page.content.decode()  # made available now
    again = admin.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="not-completable"' in again


def test_the_admin_form_shows_the_portals_refusal_and_outage_and_needs_the_permission(
    staff_api: Any, chorus_pro: FakeChorusPro
) -> None:
    invoice = _suspended(staff_api, chorus_pro)
    delivery = Delivery.objects.get(invoice=invoice)
    url = f"/admin/einvoicing/delivery/{delivery.pk}/complete/"
    assert _admin(groups=[], is_superuser=False).get(url).status_code == 403
    admin = _admin()
    chorus_pro.invoices[invoice.number].status = "MISE_A_DISPOSITION"  # changed at the portal
    refused = admin.post(url, {"comment": COMMENT}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chorus Pro refused the completion" in refused
    chorus_pro.stop()
    down = admin.post(url, {"comment": COMMENT}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Chorus Pro cannot be reached" in down
    assert Delivery.objects.get(invoice=invoice).status == DeliveryStatus.SUSPENDED
