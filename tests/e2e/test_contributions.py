"""A resident's contribution in the browser: the form (wrong input first, then a point placed on
the map and a phone photo with its GPS position), the e-mailed confirmation link, staff
publishing it in the admin, and the map showing it at its rounded location with its photo
served resized and without any EXIF (read back with Pillow)."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from resources import contributions
from resources.models import Contribution, ContributionStatus
from tests.e2e.conftest import shoot
from tests.e2e.test_accessibility import audit, axe_page  # noqa: F401  (fixture)
from tests.e2e.test_frontend import unexpected
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "une phrase de passe assez longue"
LINK = re.compile(r"https?://\S+/map/contribute/(confirm|withdraw)/\?token=\S+")
TEXTS = {
    "fr": {
        "prefix": "",
        "outside": "Ce lieu est en dehors du bassin minier couvert par la carte.",
        "consent": "Acceptez la publication de votre proposition pour l'envoyer.",
        "confirm": "Confirmer ma proposition",
        "where": "Vers",
    },
    "en": {
        "prefix": "/en",
        "outside": "This place is outside the mining basin the map covers.",
        "consent": "Agree to the publication of your proposal to send it.",
        "confirm": "Confirm my proposal",
        "where": "Near",
    },
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def phone_photo(path: Path) -> Path:
    image = Image.new("RGB", (3000, 2000), (40, 120, 190))
    exif = Image.Exif()
    exif[0x0110] = "Phone 12"
    exif[0x8825] = {1: "N", 2: (50.0, 27.0, 30.5), 3: "E", 4: (2.0, 47.0, 46.4)}
    image.save(path, format="JPEG", exif=exif.tobytes())
    return path


def sign_in(page: Any) -> None:
    user = UserFactory(username="moderatrice", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill("moderatrice")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_contribution_goes_from_the_form_to_the_map_at_a_rounded_location(
    page: Any, lang: str, tmp_path: Path
) -> None:
    texts = TEXTS[lang]
    mail.outbox.clear()
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{texts['prefix']}/map/contribute/")
    page.locator("#c-map.leaflet-container").wait_for()

    # Wrong input: a point in Paris, no consent; each error next to its field, nothing sent.
    page.locator("#c-description").fill("Six panneaux sur le toit.")
    page.locator("#c-latitude").fill("48.8566")
    page.locator("#c-longitude").fill("2.3522")
    page.locator("#c-name").fill("Camille")
    page.locator("#c-email").fill("camille@example.org")
    page.locator("button[type=submit]").click()
    expect(page.locator("#c-consent-error")).to_have_text(texts["consent"])
    page.locator("#c-consent").check()
    page.locator("button[type=submit]").click()
    expect(page.locator("#c-latitude-error")).to_have_text(texts["outside"])
    expect(page.locator("#c-latitude")).to_have_attribute("aria-invalid", "true")
    assert not Contribution.objects.exists() and mail.outbox == []

    # The point placed on the map (tiles are off in tests: the map still takes the click).
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("#c-map").click(position={"x": 330, "y": 150})
    latitude = Decimal(page.locator("#c-latitude").input_value())
    longitude = Decimal(page.locator("#c-longitude").input_value())
    south, west, north, east = contributions.basin_bounds()
    assert south <= latitude <= north and west <= longitude <= east
    page.locator("#c-category").select_option("solar_pv")
    page.locator("#c-power_kw").fill("3")
    page.locator("#c-year").fill("2021")
    page.locator("#c-photo").set_input_files(str(phone_photo(tmp_path / "IMG_2041.jpg")))
    page.locator("#c-photo_alt").fill("Panneaux bleus sur un toit de tuiles")
    page.locator("button[type=submit]").click()
    expect(page.locator("#contribute-sent")).to_be_visible()
    shoot(page, f"contribution-sent-{lang}")
    contribution = Contribution.objects.get()
    assert contribution.status == ContributionStatus.UNCONFIRMED
    assert contribution.latitude == contributions.round_to_grid(
        latitude, contributions.GRID_LATITUDE
    )
    assert contribution.longitude == contributions.round_to_grid(
        longitude, contributions.GRID_LONGITUDE
    )

    # The e-mailed link: a page with a button (a link scanner changes nothing).
    (message,) = mail.outbox
    links = {m.group(1): urlsplit(m.group()) for m in LINK.finditer(message.body)}
    confirm = links["confirm"]
    page.goto(f"{confirm.path}?{confirm.query}")
    assert Contribution.objects.get().status == ContributionStatus.UNCONFIRMED
    page.get_by_role("button", name=texts["confirm"]).click()
    expect(page.locator("#contribute-done")).to_be_visible()
    assert Contribution.objects.get().status == ContributionStatus.CONFIRMED

    # Staff look at the photo and publish it in the admin.
    sign_in(page)
    page.goto(f"/admin/resources/contribution/{contribution.pk}/change/")
    expect(page.locator(".field-photo_preview img")).to_have_attribute("width", "1280")
    page.locator("#id_decision").select_option("approve")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/resources/contribution/")
    assert Contribution.objects.get().status == ContributionStatus.APPROVED

    # On the map: the list entry at the rounded location, a marker, the photo lazy and sized.
    SiteFactory(slug="base-11-19")
    page.evaluate("lang => localStorage.setItem('va-lang', lang)", lang)
    page.goto("/map/")
    entry = page.locator(f"#resident-list li[data-contribution='{contribution.pk}']")
    expect(entry).to_contain_text(
        f"{texts['where']} {contribution.latitude:.3f}, {contribution.longitude:.3f}"
    )
    expect(page.locator("path.resident-marker")).to_have_count(1)
    photo = entry.locator("img")
    expect(photo).to_have_attribute("loading", "lazy")
    expect(photo).to_have_attribute("width", "1280")
    expect(photo).to_have_attribute("height", "853")
    expect(photo).to_have_attribute("alt", "Panneaux bleus sur un toit de tuiles")
    shoot(page, f"contribution-on-map-{lang}")
    served = page.request.get(photo.get_attribute("src"))
    assert served.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(served.body()))
    assert image.size == (1280, 853)
    assert not image.getexif() and "exif" not in image.info  # no EXIF, so no GPS position
    assert unexpected(page.problems) == []


def test_the_contribution_pages_pass_axe(axe_page: Any) -> None:  # noqa: F811
    axe_page.goto("/map/contribute/")
    axe_page.locator("#c-map.leaflet-container").wait_for()
    assert audit(axe_page) == []
    axe_page.goto("/en/map/contribute/confirm/?token=abc")
    assert audit(axe_page) == []
    # The library page (server-rendered, resources' documents).
    axe_page.goto("/library/?language=fr")
    assert audit(axe_page) == []
