"""Staff complete an invoice the buyer suspended at Chorus Pro from the delivery's admin page, in
a real browser: the buyer's request shown, a file that is not a PDF refused with its reason on
the form, then the comment and the PDF sent (upload, then completion at the loopback portal).
French and English admin, 1280 and 390 px wide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from einvoicing import services as einvoicing_services
from einvoicing.chorus_pro import forget_tokens
from einvoicing.models import Delivery, DeliveryStatus
from invoicing.services import invoice_issue
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_admin_journey import sign_in
from tests.e2e.test_frontend import unexpected
from tests.fakes.chorus_pro import FakeChorusPro, chorus_pro  # noqa: F401  (fixture)
from tests.invoicing.helpers import confirmed_booking

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIRET = "21620041600016"  # the helpers' public body
ASKED = "Merci de joindre le bon de commande signé"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TEXTS = {
    "fr-FR": {
        "link": "Compléter la facture suspendue",
        "asks": "L'acheteur a suspendu la facture et demande",
        "not_pdf": "Le fichier joint n'est pas un PDF",
        "submit": "Compléter dans Chorus Pro",
        "done": "complétée dans Chorus Pro",
    },
    "en-GB": {
        "link": "Complete the suspended invoice",
        "asks": "The buyer suspended the invoice and asks",
        "not_pdf": "The attached file is not a PDF",
        "submit": "Complete at Chorus Pro",
        "done": "completed at Chorus Pro",
    },
}


def _suspended(fake: FakeChorusPro) -> Delivery:
    forget_tokens()
    fake.add_structure(SIRET, name="Mairie d'Arras")
    fake.timeline(("SUSPENDUE", ASKED))
    invoice = invoice_issue(booking=confirmed_booking(), kind="full")
    for _ in range(2):
        Delivery.objects.update(next_check_at=None)
        einvoicing_services.deliveries_follow()
    delivery = Delivery.objects.get(invoice=invoice)
    assert delivery.status == DeliveryStatus.SUSPENDED
    return delivery


def _shots(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in (("desktop", 1280), ("phone", 390)):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("locale", ["fr-FR", "en-GB"])
def test_staff_complete_a_suspended_invoice_with_a_pdf_and_a_wrong_file_is_refused(
    browser: Any,
    live_server: Any,
    chorus_pro: FakeChorusPro,  # noqa: F811
    tmp_path: Path,
    locale: str,
) -> None:
    texts = TEXTS[locale]
    lang = locale[:2]
    delivery = _suspended(chorus_pro)
    not_pdf = tmp_path / "bon-de-commande.pdf"
    not_pdf.write_bytes(b"\x89PNG\r\n\x1a\n a picture renamed .pdf")
    signed = tmp_path / "bon-de-commande-signe.pdf"
    signed.write_bytes(PDF)
    context = browser.new_context(base_url=live_server.url, locale=locale)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    try:
        sign_in(page)
        page.goto(f"/admin/einvoicing/delivery/{delivery.pk}/change/")
        link = page.locator("#complete-delivery")
        expect(link).to_have_text(texts["link"])
        link.click()
        page.wait_for_url(f"**/admin/einvoicing/delivery/{delivery.pk}/complete/")
        expect(page.locator("#buyer-asked")).to_contain_text(texts["asks"])
        expect(page.locator("#buyer-asked")).to_contain_text(ASKED)
        _shots(page, f"admin-delivery-completion-form-{lang}")

        page.locator("#id_comment").fill("Bon de commande signé joint, EJ-2026-0042")
        page.locator("#id_attachment").set_input_files(str(not_pdf))
        page.get_by_role("button", name=texts["submit"]).click()
        expect(page.locator(".errorlist")).to_contain_text(texts["not_pdf"])
        assert chorus_pro.calls("/cpro/transverses/v1/ajouter/fichier") == []
        _shots(page, f"admin-delivery-completion-wrong-file-{lang}")

        page.locator("#id_attachment").set_input_files(str(signed))
        page.get_by_role("button", name=texts["submit"]).click()
        page.wait_for_url(f"**/admin/einvoicing/delivery/{delivery.pk}/change/")
        expect(page.locator(".messagelist")).to_contain_text(texts["done"])
        _shots(page, f"admin-delivery-completed-{lang}")
    finally:
        context.close()
    portal = next(iter(chorus_pro.invoices.values()))
    assert portal.status == "COMPLETEE"
    assert portal.complements == [[("bon-de-commande-signe.pdf", "AUTRE", PDF)]]
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.MADE_AVAILABLE
    assert unexpected(problems) == []
