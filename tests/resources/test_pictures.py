"""Pictures of sites and itineraries: uploaded in the admin (refused without a text
alternative, judged by content), stored as WebP without metadata in widths made once, listed
with their ``srcset`` and served from the storage."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from resources.models import Picture
from tests.factories import ItineraryFactory, SiteFactory
from tests.resources.test_contributions import photo_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def admin_client(client: Any, staff: Any) -> Any:
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return client


def upload(content: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def add(admin_client: Any, **fields: Any) -> Any:
    data = {"alt_fr": "Les terrils jumeaux", "alt_en": "", "credit": "© Ville", "position": 0}
    data.update(fields)
    return admin_client.post("/admin/resources/picture/add/", data)


def test_an_uploaded_picture_is_stored_in_three_widths_without_its_gps(
    admin_client: Any, api: Any
) -> None:
    site = SiteFactory(slug="base-11-19")
    response = add(admin_client, site=site.pk, upload=upload(photo_with_gps((2400, 1600))))
    assert response.status_code == 302, response.content.decode()[:2000]
    picture = Picture.objects.get()
    assert [(v["width"], v["height"]) for v in picture.variants] == [
        (480, 320),
        (960, 640),
        (1600, 1067),
    ]
    [item] = api.get("/api/v1/pictures/?site=base-11-19").json()["results"]
    base = f"/api/v1/pictures/{picture.pk}"
    assert item["srcset"] == f"{base}/480.webp 480w, {base}/960.webp 960w, {base}/1600.webp 1600w"
    assert (item["src"], item["width"], item["height"]) == (f"{base}/1600.webp", 1600, 1067)
    assert item["alt"] == "Les terrils jumeaux"
    served = api.get(f"{base}/480.webp")
    assert served["Content-Type"] == "image/webp"
    image = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert image.size == (480, 320) and not image.getexif() and "exif" not in image.info
    assert api.get(f"{base}/500.webp").status_code == 404
    assert api.get("/api/v1/pictures/?site=other").json()["results"] == []


def test_a_picture_is_refused_without_its_text_alternative(admin_client: Any) -> None:
    site = SiteFactory.create()
    response = add(admin_client, site=site.pk, alt_fr="", upload=upload(photo_with_gps((600, 400))))
    assert response.status_code == 200  # the form again
    assert not Picture.objects.exists()
    assert not default_storage.exists("pictures")  # no file was written
    with pytest.raises(IntegrityError), transaction.atomic():
        Picture.objects.create(site=site, alt_fr="", credit="x")


def test_a_file_that_is_not_a_picture_is_refused_at_its_field(admin_client: Any) -> None:
    site = SiteFactory()
    response = add(admin_client, site=site.pk, upload=upload(b"%PDF-1.7 not a picture"))
    assert response.status_code == 200
    assert "JPEG, PNG" in response.content.decode()
    assert not Picture.objects.exists()


def test_a_small_picture_is_never_scaled_up(admin_client: Any) -> None:
    itinerary = ItineraryFactory(is_published=True)
    response = add(admin_client, itinerary=itinerary.pk, upload=upload(photo_with_gps((300, 500))))
    assert response.status_code == 302
    assert [(v["width"], v["height"]) for v in Picture.objects.get().variants] == [(300, 500)]


def test_a_picture_belongs_to_one_site_or_one_itinerary(api: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Picture.objects.create(
            site=SiteFactory.create(), itinerary=ItineraryFactory.create(), alt_fr="x", credit="x"
        )
    draft = ItineraryFactory.create(is_published=False)
    Picture.objects.create(itinerary=draft, alt_fr="Brouillon", credit="x")
    assert api.get("/api/v1/pictures/").json()["results"] == []  # a draft's pictures hidden
