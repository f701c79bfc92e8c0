"""The public library page (``/library/``, ``/en/library/``): the published documents with
their download links, filtered by theme, site, itinerary and language by a plain GET form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import ItineraryFactory, SiteFactory, ThemeFactory
from tests.resources.test_library import pdf_bytes, resource

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def library() -> dict[str, Any]:
    energy = ThemeFactory(slug="energie")
    church = SiteFactory(slug="eglise")
    tour = ItineraryFactory(slug="tour", is_published=True)
    booklet = resource()
    booklet.themes.add(energy)
    booklet.itineraries.add(tour)
    sheet = resource(
        slug="fiche",
        title_fr="Fiche énergie",
        title_en="Energy fact sheet",
        language="en",
        file=SimpleUploadedFile("fiche.pdf", pdf_bytes()),
    )
    sheet.sites.add(church)
    resource(slug="brouillon", title_fr="Brouillon", is_published=False, file="")
    return {"energy": energy, "church": church, "tour": tour}


def listed(response: Any) -> list[str]:
    assert response.status_code == 200
    html = response.content.decode()
    return [slug for slug in ("livret", "fiche", "brouillon") if f'data-resource="{slug}"' in html]


@pytest.mark.usefixtures("library")
def test_the_page_lists_the_published_documents_with_their_download_links(client: Any) -> None:
    response = client.get("/library/")
    assert listed(response) == ["livret", "fiche"]  # never the draft
    html = response.content.decode()
    assert 'href="/api/v1/resources/livret/download/"' in html
    assert "Télécharger « Livret » (PDF," in html
    assert response["Content-Language"] == "fr"
    english = client.get("/en/library/").content.decode()
    assert "Download “Booklet” (PDF," in english


@pytest.mark.usefixtures("library")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=energie", ["livret"]),
        ("site=eglise", ["fiche"]),
        ("itinerary=tour", ["livret"]),
        ("language=en", ["fiche"]),
        ("language=fr&site=eglise", []),
    ],
)
def test_the_filters(client: Any, query: str, expected: list[str]) -> None:
    response = client.get(f"/library/?{query}")
    assert listed(response) == expected
    if not expected:
        assert "Aucun document ne correspond à ces filtres." in response.content.decode()


@pytest.mark.usefixtures("library")
def test_a_filter_that_is_not_in_the_list_is_said_so(client: Any) -> None:
    response = client.get("/library/?language=xx")
    assert listed(response) == []
    assert 'id="library-invalid"' in response.content.decode()


def test_the_download_serves_the_pdf_and_counts_it(client: Any, library: dict[str, Any]) -> None:
    response = client.get("/api/v1/resources/livret/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    from resources.models import Resource

    assert Resource.objects.get(slug="livret").download_count == 1
