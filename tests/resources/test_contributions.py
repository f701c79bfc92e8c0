"""Residents' contributions: proposed by a form (JSON or multipart with a photo), confirmed by
e-mail, moderated by staff in the admin, published at a rounded location, withdrawn on request."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image
from rest_framework.throttling import ScopedRateThrottle

from core.tokens import hash_token
from resources import contributions
from resources.images import IMAGE_TOO_LARGE, NOT_AN_IMAGE
from resources.models import Contribution, ContributionStatus
from tests.conftest import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/contributions/"
# A solar roof in Loos-en-Gohelle's cité 12 (a made-up point; the test only needs a house).
LAT, LON = "50.458437", "2.796218"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def proposal(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "solar_pv",
        "description": "Six panneaux sur le toit de notre maison de cité.",
        "power_kw": "3.0",
        "year": 2021,
        "latitude": LAT,
        "longitude": LON,
        "name": "Camille",
        "email": "camille@example.org",
        "consent": True,
    }
    data.update(overrides)
    return data


def photo_with_gps(size: tuple[int, int] = (3000, 2000), fmt: str = "JPEG") -> bytes:
    """A photo as a phone writes it: EXIF with a GPS position (tag 0x8825) and a camera model."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x0110] = "Phone 12"  # Model
    exif[0x8825] = {1: "N", 2: (50.0, 27.0, 30.5), 3: "E", 4: (2.0, 47.0, 46.4)}
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def links(message: Any) -> dict[str, str]:
    found = dict(
        re.findall(r"/map/contribute/(confirm|withdraw)/\?token=([A-Za-z0-9_-]+)", message.body)
    )
    assert set(found) == {"confirm", "withdraw"}, message.body
    return found


def submit(api: Any, **overrides: Any) -> dict[str, str]:
    mail.outbox.clear()
    response = api.post(URL, proposal(**overrides), format="json")
    assert response.status_code == 202, response.content
    assert len(mail.outbox) == 1
    return links(mail.outbox[0])


def test_a_proposal_is_stored_unconfirmed_rounded_and_confirmed_by_an_emailed_link(
    api: Any,
) -> None:
    tokens = submit(api)
    contribution = Contribution.objects.get()
    assert contribution.status == ContributionStatus.UNCONFIRMED
    # Rounded to the grid before it is stored: the exact point is nowhere.
    assert contribution.latitude == Decimal("50.45800")
    assert contribution.longitude == Decimal("2.79600")
    assert mail.outbox[0].to == ["camille@example.org"]
    assert "Confirmez" in mail.outbox[0].subject
    # Only the hashes are stored.
    assert contribution.confirm_token_hash == hash_token(tokens["confirm"])
    assert contribution.withdraw_token_hash == hash_token(tokens["withdraw"])
    assert tokens["confirm"] not in str(Contribution.objects.values().get())

    assert api.get(URL).json()["results"] == []  # not shown before moderation
    response = api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    assert response.status_code == 200 and response.json() == {"status": "confirmed"}
    again = api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    assert again.json() == {"status": "confirmed"}  # a second click changes nothing
    assert api.get(URL).json()["results"] == []  # confirmed is not published


def test_staff_publish_it_and_the_map_gets_the_rounded_point_without_who_sent_it(
    api: Any, staff: Any
) -> None:
    tokens = submit(api)
    api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    contribution = Contribution.objects.get()
    contributions.contribution_moderate(contribution_id=contribution.pk, by=staff, approve=True)
    [item] = api.get(URL).json()["results"]
    assert item["latitude"] == 50.458 and item["longitude"] == 2.796
    assert item["category"] == "solar_pv" and item["power_kw"] == 3.0 and item["year"] == 2021
    assert item["photo"] is None
    assert "camille" not in str(item).lower()


def test_a_contribution_cannot_publish_itself(api: Any) -> None:
    tokens = submit(api, status="approved", moderated_at="2026-01-01T00:00:00Z")
    assert Contribution.objects.get().status == ContributionStatus.UNCONFIRMED
    api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    assert Contribution.objects.get().status == ContributionStatus.CONFIRMED
    assert api.get(URL).json()["results"] == []
    # The database holds it too: published needs a confirmation and a moderation.
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(pk=Contribution.objects.get().pk).update(
            status=ContributionStatus.APPROVED
        )


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"latitude": "48.8566", "longitude": "2.3522"}, "latitude", "outside_basin"),
        ({"longitude": "4.5"}, "longitude", "outside_basin"),
        ({"latitude": "abc"}, "latitude", "invalid"),
        ({"longitude": "NaN"}, "longitude", "invalid"),
        ({"latitude": "Infinity"}, "latitude", "invalid"),
        ({"latitude": "95"}, "latitude", "max_value"),
        ({"category": "nuclear"}, "category", "invalid_choice"),
        ({"consent": False}, "consent", "required"),
        ({"email": "not-an-address"}, "email", "invalid"),
        ({"year": 2999}, "year", "max_value"),
        ({"power_kw": "-3"}, "power_kw", "min_value"),
    ],
)
def test_bad_input_is_a_problem_with_its_field_and_code_and_nothing_is_stored(
    api: Any, overrides: dict[str, Any], field: str, code: str
) -> None:
    response = api.post(URL, proposal(**overrides), format="json")
    assert_problem(response, 400, code, field)
    assert not Contribution.objects.exists()
    assert mail.outbox == []


def test_the_honeypot_gets_the_same_answer_and_nothing_is_stored_or_sent(api: Any) -> None:
    response = api.post(URL, proposal(website="http://spam.example"), format="json")
    assert response.status_code == 202
    assert not Contribution.objects.exists()
    assert mail.outbox == []


def test_the_form_is_throttled_per_client(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    rates = {**ScopedRateThrottle.THROTTLE_RATES, "contribution": "2/hour"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    for _ in range(2):
        assert api.post(URL, proposal(), format="json").status_code == 202
    assert_problem(api.post(URL, proposal(), format="json"), 429, "throttled")
    assert api.get(URL).status_code == 200  # reading the map is not throttled by it


def test_an_uploaded_photo_is_re_encoded_resized_and_stripped_of_its_gps_position(
    api: Any, staff: Any
) -> None:
    original = photo_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the control: GPS is in
    upload = io.BytesIO(original)
    upload.name = "IMG_2041 rue des Acacias.jpg"
    response = api.post(
        URL,
        {**proposal(), "photo": upload, "photo_alt": "Panneaux sur un toit"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    contribution = Contribution.objects.get()
    stored_name = contribution.photo.name or ""
    assert stored_name.endswith(".webp") and "Acacias" not in stored_name
    assert (contribution.photo_width, contribution.photo_height) == (1280, 853)
    photo_url = f"{URL}{contribution.pk}/photo.webp"
    assert api.get(photo_url).status_code == 404  # not public before it is published
    tokens = links(mail.outbox[0])
    api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    contributions.contribution_moderate(contribution_id=contribution.pk, by=staff, approve=True)
    [item] = api.get(URL).json()["results"]
    assert item["photo"] == {
        "url": photo_url,
        "width": 1280,
        "height": 853,
        "alt": "Panneaux sur un toit",
    }
    response = api.get(photo_url)
    assert response["Content-Type"] == "image/webp"
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.format == "WEBP" and served.size == (1280, 853)
    assert not served.getexif()  # no EXIF at all, so no GPS position
    assert "exif" not in served.info and "xmp" not in served.info

    # Withdrawn: off the map, the photo deleted from the storage, who sent it erased.
    name = contribution.photo.name
    response = api.post(f"{URL}withdraw/", {"token": tokens["withdraw"]}, format="json")
    assert response.json() == {"status": "withdrawn"}
    assert api.get(URL).json()["results"] == []
    assert api.get(photo_url).status_code == 404
    assert not default_storage.exists(name)
    contribution.refresh_from_db()
    assert (contribution.name, contribution.email, contribution.photo.name) == ("", "", "")
    again = api.post(f"{URL}withdraw/", {"token": tokens["withdraw"]}, format="json")
    assert again.json() == {"status": "withdrawn"}
    gone = api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    assert_problem(gone, 400, contributions.LINK_INVALID, "token")


@pytest.mark.parametrize(
    ("content", "name", "field", "code"),
    [
        (b"#!/bin/sh\necho hello\n", "photo.jpg", "photo", NOT_AN_IMAGE),
        (photo_with_gps((40, 30))[:200], "cut.jpg", "photo", NOT_AN_IMAGE),
        (photo_with_gps((40, 30), fmt="TIFF"), "photo.jpg", "photo", NOT_AN_IMAGE),
        (photo_with_gps((40, 30), fmt="PNG"), "photo.jpg", "photo_alt", "photo_alt_required"),
    ],
)
def test_an_upload_is_judged_by_its_content(
    api: Any, content: bytes, name: str, field: str, code: str
) -> None:
    upload = io.BytesIO(content)
    upload.name = name
    alt = "" if code == "photo_alt_required" else "Un toit"
    response = api.post(URL, {**proposal(), "photo": upload, "photo_alt": alt}, format="multipart")
    assert_problem(response, 400, code, field)
    assert not Contribution.objects.exists()


def test_a_png_named_jpg_is_accepted_by_its_content(api: Any) -> None:
    upload = io.BytesIO(photo_with_gps((400, 300), fmt="PNG"))
    upload.name = "photo.jpg"
    response = api.post(
        URL, {**proposal(), "photo": upload, "photo_alt": "Un toit"}, format="multipart"
    )
    assert response.status_code == 202, response.content
    assert Contribution.objects.get().photo_width == 400  # never scaled up


def test_the_photo_size_is_capped_and_the_body_limit_lets_it_through(
    api: Any, settings: Any
) -> None:
    settings.CONTRIBUTION_PHOTO_MAX_BYTES = 20_000
    big = photo_with_gps((600, 400), fmt="PNG") + b"\0" * 30_000  # over the photo cap
    upload = io.BytesIO(big)
    upload.name = "roof.png"
    response = api.post(
        URL, {**proposal(), "photo": upload, "photo_alt": "Un toit"}, format="multipart"
    )
    assert_problem(response, 400, IMAGE_TOO_LARGE, "photo")
    # Over the API's 64 KiB body limit, under the endpoint's own: reaches the view.
    settings.CONTRIBUTION_PHOTO_MAX_BYTES = 8 * 1024 * 1024
    upload = io.BytesIO(photo_with_gps((1600, 1200), fmt="PNG") + b"\0" * 70_000)
    upload.name = "roof.png"
    response = api.post(
        URL, {**proposal(), "photo": upload, "photo_alt": "Un toit"}, format="multipart"
    )
    assert response.status_code == 202, response.content


def test_the_confirmation_link_expires(api: Any, settings: Any) -> None:
    tokens = submit(api)
    Contribution.objects.update(
        created_at=timezone.now() - timedelta(days=settings.CONTRIBUTION_CONFIRM_DAYS, hours=1)
    )
    response = api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    assert_problem(response, 400, contributions.LINK_INVALID, "token")
    wrong = api.post(f"{URL}confirm/", {"token": "not-a-token"}, format="json")
    assert_problem(wrong, 400, contributions.LINK_INVALID, "token")


def test_staff_moderate_in_the_admin_and_a_rejection_needs_a_reason(
    api: Any, client: Any, staff: Any
) -> None:
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    tokens = submit(api)
    contribution = Contribution.objects.get()
    url = f"/admin/resources/contribution/{contribution.pk}/change/"
    # Unconfirmed: cannot be decided yet.
    response = client.post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 200 and "confirmed" in response.content.decode()
    assert Contribution.objects.get().status == ContributionStatus.UNCONFIRMED
    api.post(f"{URL}confirm/", {"token": tokens["confirm"]}, format="json")
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 200  # the form again, with the error
    assert Contribution.objects.get().status == ContributionStatus.CONFIRMED
    response = client.post(url, {"decision": "reject", "reason": "Adresse exacte visible."})
    assert response.status_code == 302
    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.REJECTED
    assert contribution.rejection_reason == "Adresse exacte visible."
    assert contribution.moderated_by == staff
    response = client.post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    assert Contribution.objects.get().status == ContributionStatus.APPROVED
    assert len(api.get(URL).json()["results"]) == 1
    # No way to add one in the admin: they come from residents.
    assert client.get("/admin/resources/contribution/add/").status_code == 403


def test_the_admin_action_publishes_only_confirmed_ones(api: Any, client: Any, staff: Any) -> None:
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    first = submit(api)
    submit(api, description="Pompe à chaleur", category="heat_pump")
    api.post(f"{URL}confirm/", {"token": first["confirm"]}, format="json")
    response = client.post(
        "/admin/resources/contribution/",
        {
            "action": "publish",
            "_selected_action": list(Contribution.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    statuses = dict(Contribution.objects.values_list("category", "status"))
    assert statuses == {"solar_pv": "approved", "heat_pump": "unconfirmed"}


def test_rounding_goes_to_the_nearest_grid_line() -> None:
    step = contributions.GRID_LATITUDE
    assert contributions.round_to_grid(Decimal("50.458999"), step) == Decimal("50.45800")
    assert contributions.round_to_grid(Decimal("50.459001"), step) == Decimal("50.46000")
    lon = contributions.GRID_LONGITUDE
    assert contributions.round_to_grid(Decimal("2.7945"), lon) == Decimal("2.79600")
    assert contributions.round_to_grid(Decimal("2.7944"), lon) == Decimal("2.79300")
