"""The resources library: PDFs checked by their content, published only with a file, listed
with filters, downloaded through the storage with a count, uploaded in the admin."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, transaction
from pypdf import PdfWriter

from resources.models import MALFORMED_PDF, NOT_A_PDF, PDF_TOO_LARGE, Resource, validate_pdf
from tests.conftest import assert_problem
from tests.factories import ItineraryFactory, SiteFactory, ThemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def pdf_bytes(pages: int = 1, padding: int = 0) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if padding:
        writer.add_metadata({"/Padding": "x" * padding})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def resource(**overrides: Any) -> Resource:
    fields: dict[str, Any] = {
        "slug": "livret",
        "title_fr": "Livret",
        "title_en": "Booklet",
        "summary_fr": "Résumé.",
        "summary_en": "Summary.",
        "licence": "© Ville",
        "phase": "before",
        "file": SimpleUploadedFile("livret.pdf", pdf_bytes()),
        "is_published": True,
    }
    fields.update(overrides)
    return Resource.objects.create(**fields)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, NOT_A_PDF),
        ("broken.pdf", b"%PDF-1.7\nthis is not a PDF body at all", MALFORMED_PDF),
        ("empty.pdf", b"", NOT_A_PDF),
    ],
)
def test_an_upload_is_judged_by_its_content(name: str, content: bytes, code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_pdf(SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert raised.value.code == code


def test_a_real_pdf_passes_even_named_otherwise() -> None:
    validate_pdf(SimpleUploadedFile("scan.png", pdf_bytes(pages=2), content_type="image/png"))


def test_a_pdf_over_the_cap_is_refused(settings: Any) -> None:
    settings.RESOURCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as raised:
        validate_pdf(SimpleUploadedFile("big.pdf", pdf_bytes(padding=4000)))
    assert raised.value.code == PDF_TOO_LARGE


def test_a_resource_is_published_only_with_its_file() -> None:
    draft = Resource(
        slug="x", title="X", summary="s", licence="l", phase="after", is_published=True
    )
    with pytest.raises(ValidationError) as raised:
        draft.full_clean()
    assert "is_published" in raised.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        draft.save()


def test_list_filters_and_hides_drafts(api: Any) -> None:
    energie = ThemeFactory(slug="energie")
    site = SiteFactory(slug="lumiwatt")
    itinerary = ItineraryFactory(slug="ville-pilote")
    fiche = resource(slug="fiche", language="fr", phase="before")
    fiche.themes.add(energie)
    fiche.sites.add(site)
    fiche.itineraries.add(itinerary)
    resource(slug="report", language="en", phase="after", title_en="Report")
    Resource.objects.create(slug="draft", title="Draft", summary="s", licence="l", phase="any")

    body = api.get("/api/v1/resources/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert sorted(row["slug"] for row in body["results"]) == ["fiche", "report"]
    assert body["count"] == 2
    row = api.get("/api/v1/resources/fiche/").json()
    assert row == {
        "slug": "fiche",
        "title": "Livret",
        "summary": "Résumé.",
        "language": "fr",
        "version": "",
        "licence": "© Ville",
        "phase": "before",
        "size_bytes": len(pdf_bytes()),
        "themes": ["energie"],
        "sites": ["lumiwatt"],
        "itineraries": ["ville-pilote"],
        "download_url": "/api/v1/resources/fiche/download/",
    }
    for query, slugs in [
        ("theme=energie", ["fiche"]),
        ("site=lumiwatt", ["fiche"]),
        ("itinerary=ville-pilote", ["fiche"]),
        ("language=en", ["report"]),
        ("phase=after", ["report"]),
    ]:
        found = api.get(f"/api/v1/resources/?{query}").json()["results"]
        assert [r["slug"] for r in found] == slugs, query
    assert_problem(api.get("/api/v1/resources/?language=xx"), 400, "invalid_choice", "language")
    assert_problem(api.get("/api/v1/resources/draft/"), 404, "not_found")


def test_download_serves_the_stored_pdf_and_counts_it(api: Any) -> None:
    stored = resource(slug="fiche")
    response = api.get("/api/v1/resources/fiche/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="fiche.pdf"'
    # Read to the end, the test client closes the answer itself (an explicit close() would send
    # request_finished, whose close_old_connections closes the test's PostgreSQL connection).
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert b"".join(api.get("/api/v1/resources/fiche/download/").streaming_content)
    stored.refresh_from_db()
    assert stored.download_count == 2


def test_staff_upload_a_booklet_larger_than_the_api_body_limit(
    client: Any, django_user_model: Any, settings: Any
) -> None:
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    big = pdf_bytes(padding=200_000)
    assert len(big) > settings.MAX_REQUEST_BODY_BYTES
    response = client.post(
        "/admin/resources/resource/add/",
        {
            "slug": "livret",
            "title_fr": "Livret",
            "summary_fr": "Résumé.",
            "licence": "© Ville",
            "language": "fr",
            "phase": "before",
            "is_published": "on",
            "file": SimpleUploadedFile("livret.pdf", big, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Resource.objects.get()
    assert saved.size_bytes == len(big)
    with saved.file.open("rb") as stored:
        assert stored.read() == big
    fake = client.post(
        "/admin/resources/resource/add/",
        {
            "slug": "faux",
            "title_fr": "Faux",
            "summary_fr": "s",
            "licence": "l",
            "language": "fr",
            "phase": "before",
            "file": SimpleUploadedFile("faux.pdf", b"GIF89a....", content_type="application/pdf"),
        },
    )
    assert fake.status_code == 200 and Resource.objects.count() == 1


def test_demo_library_lists_the_towns_documents_unpublished() -> None:
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_resources_demo", stdout=io.StringIO())
    call_command("load_resources_demo", stdout=io.StringIO())
    assert Resource.objects.count() == 4
    assert not Resource.objects.filter(is_published=True).exists()
    booklet = Resource.objects.get(slug="terre-de-transitions")
    assert sorted(i.slug for i in booklet.itineraries.all()) == [
        "patrimoine-mondial-resilience",
        "ville-pilote-mine-soleil",
    ]


def test_the_larger_upload_limit_is_for_the_resources_admin_only(
    client: Any, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    body = pdf_bytes(padding=200_000)
    response = client.post(
        "/admin/itineraries/site/add/",
        {"file": SimpleUploadedFile("livret.pdf", body, content_type="application/pdf")},
    )
    assert_problem(response, 413, "body_too_large")
