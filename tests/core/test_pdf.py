"""The PDF renderer: real WeasyPrint output read back, and no fetch outside the project."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from core.pdf import PDF_A3B, ForbiddenFetch, LocalURLFetcher, render_pdf


def test_renders_text_that_reads_back() -> None:
    pdf = render_pdf("<h1>Terril 74A</h1><p>Chaussures de marche indispensables.</p>")
    assert pdf.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Terril 74A" in text
    assert "Chaussures de marche" in text


def test_pdf_a3b_variant_declares_itself() -> None:
    pdf = render_pdf("<p>Facture</p>", pdf_variant=PDF_A3B)
    root: Any = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    metadata = root["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in metadata
    assert b"3" in metadata.split(b"pdfaid:part")[1][:10]


@pytest.mark.parametrize(
    "url",
    ["http://example.org/logo.png", "https://cdn.example/font.woff2", "file:///etc/passwd"],
)
def test_fetcher_refuses_anything_outside_the_project(url: str) -> None:
    with pytest.raises(ForbiddenFetch):
        LocalURLFetcher().fetch(url)


def test_a_remote_image_is_not_fetched_and_the_document_still_renders() -> None:
    pdf = render_pdf('<p>Plan</p><img src="http://203.0.113.9/map.png" alt="map">')
    assert "Plan" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
