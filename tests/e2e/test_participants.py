"""The group's participants in a real browser (issue 18, first slice): the organiser enters the
list on the booking page (a wrong input first, shown by field), makes the self-registration
link, and a participant registers themselves in another browser context, seeing nobody else.
French and English, at phone and desktop widths."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from bookings.models import Participant
from tests.bookings.helpers import book, bookable_departure
from tests.e2e.conftest import shoot
from tests.e2e.test_frontend import unexpected

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "fr": {
        "title": "Participants",
        "add": "Ajouter un participant",
        "save": "Enregistrer la liste",
        "fix": "corrigez les champs signalés",
        "count": "2 participant(s) nommé(s) sur 4",
        "make": "Créer un lien d'inscription",
        "register": "Inscription à la visite",
        "submit": "M'inscrire",
        "places": "2 place(s) restante(s)",
        "places_after": "1 place(s) restante(s)",
        "warning": "accès de plain-pied",
        "done": "Inscription enregistrée : Inès",
        "mobility": "Mobilité réduite",
        "closed": "ne fonctionne pas ou plus",
    },
    "en": {
        "title": "Participants",
        "add": "Add a participant",
        "save": "Save the list",
        "fix": "correct the fields shown",
        "count": "2 named participant(s) of 4",
        "make": "Make a self-registration link",
        "register": "Register for the visit",
        "submit": "Register me",
        "places": "2 place(s) left",
        "places_after": "1 place(s) left",
        "warning": "step-free access",
        "done": "Registration saved: Inès",
        "mobility": "Reduced mobility",
        "closed": "does not work (any more)",
    },
}


def _fits(page: Any, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_organiser_enters_the_list_and_a_participant_registers(
    page: Any, browser: Any, live_server: Any, lang: str
) -> None:
    texts = TEXTS[lang]
    page.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    created = book(APIClient(), bookable_departure(capacity=30, days=20), participants=4).json()
    reference = created["reference"]
    page.goto(f"/bookings/{reference}?token={created['token']}")
    section = page.locator("#participants-section")
    expect(section.get_by_role("heading", name=texts["title"], exact=True)).to_be_visible()
    expect(page.locator("#participants-count")).to_be_visible()

    # A wrong input first: an empty name and an e-mail that is not one, shown by field.
    page.get_by_role("button", name=texts["add"]).click()
    page.get_by_role("button", name=texts["add"]).click()
    page.locator("#p0-name").fill("Léa Martin")
    page.locator("#p0-email").fill("not-an-address")
    page.locator("#p1-category").select_option("accompanying_staff")
    page.get_by_role("button", name=texts["save"]).click()
    expect(page.locator("#participants-error")).to_contain_text(texts["fix"])
    expect(page.locator("#p0-email-error")).not_to_be_empty()
    expect(page.locator("#p1-name-error")).not_to_be_empty()
    expect(page.locator("#p0-email")).to_have_attribute("aria-invalid", "true")
    shoot(page, f"participants-errors-{lang}")
    assert Participant.objects.count() == 0

    page.locator("#p0-email").fill("lea@example.org")
    page.locator("#p1-name").fill("M. Dupont")
    page.locator("#p0-need-diet").check()
    page.locator("#p0-details").fill("végétarienne")
    page.get_by_role("button", name=texts["save"]).click()
    # Saved: the list is drawn again from the answer, each entry under its name.
    expect(page.locator("#participant-rows legend").first).to_have_text("Léa Martin")
    expect(page.locator("#participants-error")).to_be_empty()
    expect(page.locator("#participants-count")).to_have_text(texts["count"])
    assert list(Participant.objects.order_by("pk").values_list("name", flat=True)) == [
        "Léa Martin",
        "M. Dupont",
    ]
    assert Participant.objects.get(name="Léa Martin").needs_details == "végétarienne"

    # The self-registration link, shared with the participants.
    page.get_by_role("button", name=texts["make"]).click()
    url = page.locator("#registration-url").input_value()
    assert f"/bookings/{reference}/register?token=" in url
    assert "null" not in section.inner_text()
    shoot(page, f"participants-list-{lang}")
    _fits(page, 360)

    # A participant opens it in another browser: nobody else's name or need shows.
    other = browser.new_context(base_url=live_server.url)
    other.add_init_script(f"localStorage.setItem('va-lang', '{lang}')")
    visitor = other.new_page()
    parts = urlsplit(url)
    visitor.goto(f"{parts.path}?{parts.query}")
    expect(visitor.get_by_role("heading", name=texts["register"])).to_be_visible()
    expect(visitor.locator("#registration-places")).to_have_text(texts["places"])
    body = visitor.locator("body").inner_text()
    assert "Léa" not in body and "Dupont" not in body and "végétarienne" not in body
    visitor.locator("#r-name").fill("Inès")
    visitor.get_by_label(texts["mobility"]).check()
    visitor.get_by_role("button", name=texts["submit"]).click()
    expect(visitor.locator("#registration-result")).to_contain_text(texts["done"])
    # The stop has no step-free access: the participant is told at once.
    expect(visitor.locator("#participants-warnings .alert")).to_contain_text(texts["warning"])
    expect(visitor.locator("#registration-places")).to_have_text(texts["places_after"])
    shoot(visitor, f"participants-self-registration-{lang}")
    _fits(visitor, 360)
    inès = Participant.objects.get(name="Inès")
    assert inès.entered_by == "self" and inès.needs_reduced_mobility
    visitor.wait_for_load_state("networkidle")
    other.close()

    # Back on the organiser's page: three names; revoking closes the link.
    page.reload()
    expect(page.locator("#participant-rows fieldset.participant")).to_have_count(3)
    expect(page.locator("#participants-warnings .alert")).to_be_visible()
    page.locator("#registration-revoke").click()
    # The create button shows before and after: wait for the revoke button to go, which is
    # drawn from the server's answer, before opening the link again.
    expect(page.locator("#registration-revoke")).to_have_count(0)
    expect(page.locator("#registration-create")).to_be_visible()
    page.goto(f"{parts.path}?{parts.query}")
    expect(page.locator("#registration-closed")).to_contain_text(texts["closed"])
    assert unexpected(page.problems) == []
